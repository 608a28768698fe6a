import type { User, UserId } from "../users.js";

/**
 * - joined: the name was free; the user is now listed (announce it).
 * - held: the user already holds it (another tab, or back within the grace window).
 * - taken: someone else holds it.
 */
export type ClaimResult = "joined" | "held" | "taken";

/** Names one grace window of one user, so that only the latest window can end it. */
export type GraceToken = number;

/**
 * Who is online, and which names are held. A user stays listed, holding their name, from claim until
 * release — also while they have no socket (the grace window), which the presence service times.
 */
export interface PresenceStore {
  /** Atomically holds `user.key` for `user`. */
  claim(user: User): Promise<ClaimResult>;
  holderOf(key: string): Promise<User | null>;
  /**
   * Counts the socket in; a grace window the user was in is over. Resolves to false, counting nothing,
   * when the user is no longer listed (logged out since the handshake claimed the name).
   */
  attach(id: UserId, socketId: string): Promise<boolean>;
  /** Resolves to the number of sockets the user still has. */
  detach(id: UserId, socketId: string): Promise<number>;
  connectionCount(id: UserId): Promise<number>;
  /** The user has no socket: a grace window of graceMs starts now, replacing any earlier one. */
  startGrace(id: UserId, graceMs: number): Promise<GraceToken>;
  /**
   * The window `grace` has passed: unlists the user and frees the name, unless a socket came back or a
   * newer window started meanwhile (possibly timed by another process). Resolves to the released user.
   */
  endGrace(id: UserId, grace: GraceToken): Promise<User | null>;
  /** Unlists the user and frees the name; resolves to the user if they were listed. */
  release(id: UserId): Promise<User | null>;
  online(): Promise<User[]>;
  /**
   * Only for a store shared by several processes, where a process can die with users listed on its
   * behalf: gives a grace window of graceMs to every listed user none of whose sockets is on a live
   * process and who has none running, and releases the users whose window passed. Resolves to the
   * released users, for whoever calls it to announce.
   */
  sweep?(graceMs: number): Promise<User[]>;
}
