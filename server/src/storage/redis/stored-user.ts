import type { User } from "../../users.js";

/** A user as sessions and presence keep one in Redis: its JSON, written by us. */
export const parseUser = (json: string): User => JSON.parse(json) as User;

export const parseUserOrNull = (json: string | null): User | null => (json === null ? null : parseUser(json));
