import type { UserSummary } from "@chat/shared";

/** An identity: created at login, resumed by token, ended by logout or by losing its name. */
export type UserId = string;

export interface User {
  id: UserId;
  /** Display name, as typed (normalised). */
  name: string;
  /** Uniqueness key of the name (see uniqueNameKey in shared/): lookalike names share one. */
  key: string;
}

/** What the protocol says of a user: never the name key or anything else the server keeps. */
export function summaryOf({ name, id }: User): UserSummary {
  return { name, id };
}

/** The Socket.IO room that holds every socket of one user: private messages and logout go through it. */
export function userRoom(id: UserId): string {
  return `user:${id}`;
}
