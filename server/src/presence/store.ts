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
 * - unlisted: counting nothing, the user is no longer listed.
 * - attached: the socket counts.
 * - back: the socket counts, and the user is no longer away.
 */
export type AttachResult = "unlisted" | "attached" | "back";

/** A listed user; `away` while they have no socket and markAway said so. Carries `key`: not for the wire. */
export type ListedUser = User & { away?: true };

export interface LeaseListeners {
  back(user: User): void;
  /** The socket's user was released (told everyone as gone, the name freed): it cannot stay as it is. */
  unlisted(socketId: string): void;
}

/** Some users as the online list shows them, and how many it lists. */
export interface ListedAmong {
  /** How many users are listed. */
  count: number;
  /** Of the users asked about, those listed, as online() shows them. */
  users: ListedUser[];
}

/** What a sweep changed, for whoever calls it to announce. */
export interface Swept {
  /** Users of a dead process, now in a grace window and away. */
  away: User[];
  /** Users whose grace window passed, now unlisted. */
  released: User[];
}

/**
 * Who is online, and which names are held. A user stays listed, holding their name, from claim until
 * release — also while they have no socket (the grace window), which the presence service times.
 */
export interface PresenceStore {
  /**
   * Atomically holds `user.key` for `user`. A user it lists starts in a grace window of windowMs, having no
   * socket yet: should the claiming process die before one counts in, a shared store's sweep frees the name
   * when the window ends, and does not show away a user who never had a socket.
   */
  claim(user: User, windowMs: number): Promise<ClaimResult>;
  holderOf(key: string): Promise<User | null>;
  /**
   * Counts the socket in; a grace window the user was in is over, and so is their being away. Counts
   * nothing when the user is no longer listed (logged out since the handshake claimed the name).
   */
  attach(id: UserId, socketId: string): Promise<AttachResult>;
  /** Resolves to the number of sockets the user still has. */
  detach(id: UserId, socketId: string): Promise<number>;
  connectionCount(id: UserId): Promise<number>;
  /**
   * The user has no socket: a grace window of graceMs starts now, replacing any earlier one. awayMs (null:
   * never) is when markAway is due; a shared store keeps it too, so that a sweep marks the user away if
   * the process timing it stopped first.
   */
  startGrace(id: UserId, graceMs: number, awayMs: number | null): Promise<GraceToken>;
  /**
   * The window `grace` has passed: unlists the user and frees the name, unless a socket came back or a
   * newer window started meanwhile (possibly timed by another process). Resolves to the released user.
   */
  endGrace(id: UserId, grace: GraceToken): Promise<User | null>;
  /**
   * The window `grace` is still the latest and no socket came back: marks the user away. Resolves to the
   * user if that changed anything.
   */
  markAway(id: UserId, grace: GraceToken): Promise<User | null>;
  /** Unlists the user and frees the name; resolves to the user if they were listed. */
  release(id: UserId): Promise<User | null>;
  online(): Promise<ListedUser[]>;
  /**
   * Of `ids`, the users listed, and how many are: a list's changes without reading all of it, which a
   * shared store would have to send and parse for each round of a reconnect storm.
   */
  listedAmong(ids: UserId[]): Promise<ListedAmong>;
  /**
   * Only for a store shared by several processes, where a process can die with users listed on its
   * behalf: gives a grace window of graceMs to every listed user none of whose sockets is on a live
   * process and who has none running, marking them away, and releases the users whose window passed.
   */
  sweep?(graceMs: number): Promise<Swept>;
  /**
   * Only for a shared store, whose sockets a lapse of this process's lease stopped counting: meanwhile the
   * others may have marked their users away, or released them. When the lease is back, `listeners` hear
   * of each user counted in again and so back, and of each socket whose user is no longer listed.
   */
  onLeaseRestored?(listeners: LeaseListeners): void;
}
