import type { User, UserId } from "../users.js";

/** Durable identities. Tokens are stored only as hashes. */
export interface SessionStore {
  /** Persists a session; every other live session with the same name key ends (it lost its name). */
  create(user: User, tokenHash: string, now: number): Promise<void>;
  /** The live session with this token hash, or null when unknown or ended. */
  findByTokenHash(tokenHash: string): Promise<User | null>;
  end(id: UserId, now: number): Promise<void>;
  /** Whether anybody has ever had this name key: tells USER_OFFLINE from NO_SUCH_USER. */
  isKnownName(key: string): Promise<boolean>;
}
