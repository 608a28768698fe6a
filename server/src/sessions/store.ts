import type { User, UserId } from "../users.js";

/** Durable identities. Tokens are stored only as hashes. */
export interface SessionStore {
  /**
   * Persists a session; every other live session with the same name key ends (it lost its name). Resolves
   * to false, changing nothing, when a session (live or ended) already has this token hash: a token made by
   * a client (see Sessions.login) may come again, and an ended one must not come back to life.
   */
  create(user: User, tokenHash: string, now: number): Promise<boolean>;
  /** Whether a session, live or ended, ever had this token hash. */
  tokenUsed(tokenHash: string): Promise<boolean>;
  /** The live session with this token hash, or null when unknown or ended. */
  findByTokenHash(tokenHash: string): Promise<User | null>;
  /** Whose session with this token hash has ended, or null when unknown, live, or ended with no user kept. */
  findEndedByTokenHash(tokenHash: string): Promise<User | null>;
  end(id: UserId, now: number): Promise<void>;
  /** Whether anybody has ever had this name key: tells USER_OFFLINE from NO_SUCH_USER. */
  isKnownName(key: string): Promise<boolean>;
}
