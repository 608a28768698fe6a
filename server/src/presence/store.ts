import type { User, UserId } from "../users.js";

/**
 * - joined: the name was free; the user is now listed (announce it).
 * - held: the user already holds it (another tab, or back within the grace window).
 * - taken: someone else holds it.
 */
export type ClaimResult = "joined" | "held" | "taken";

/**
 * Who is online, and which names are held. A user stays listed, holding their name, from claim until
 * release — also while they have no socket (the grace window), which the presence service times.
 */
export interface PresenceStore {
  /** Atomically holds `user.key` for `user`. */
  claim(user: User): Promise<ClaimResult>;
  holderOf(key: string): Promise<User | null>;
  attach(id: UserId, socketId: string): Promise<void>;
  /** Resolves to the number of sockets the user still has. */
  detach(id: UserId, socketId: string): Promise<number>;
  connectionCount(id: UserId): Promise<number>;
  /** Unlists the user and frees the name; resolves to the user if they were listed. */
  release(id: UserId): Promise<User | null>;
  online(): Promise<User[]>;
}
