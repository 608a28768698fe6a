import type { Result } from "./errors.js";

/** Server-assigned, strictly increasing across the whole chat: "after id X" is well defined. */
export type MessageId = number;

export interface ChatMessage {
  id: MessageId;
  /** The sender's session name: set by the server, never taken from the payload. */
  from: string;
  /** The sender's identity (see UserSummary.id): tells them apart from earlier or later holders of the name. */
  fromId: string;
  /** null: the group chat; otherwise the recipient's name. */
  to: string | null;
  /** null: the group chat; otherwise the recipient's identity. */
  toId: string | null;
  text: string;
  /** Milliseconds since the Unix epoch, server clock. */
  sentAt: number;
  /** The sender's idempotency key, echoed so its tabs can match their outbox. */
  clientId: string;
}

export interface UserSummary {
  name: string;
  /**
   * The identity behind the name: the same across its tabs, reconnects and server restarts, and never
   * that of a later holder of the name. Not a secret (the token is); send it as `toId` to mean this one.
   */
  id: string;
}

/** One entry of the online list. */
export interface OnlineUser extends UserSummary {
  /**
   * Present (and true) while the user has no connection: still listed, holding the name, for the grace
   * window (a network blip, a reload, a closed laptop); messages to them wait until they are back.
   */
  away?: true;
}

/**
 * Where the online list stands, in the order the server made its changes: opaque text that comes with the
 * list (`users`, `users:since`) and with each change (`user:joined`…). A client that resumes with the version
 * of the last of them it applied (`auth.presence`) can be sent only what changed since, not the whole list.
 */
export type PresenceVersion = string;

/** A change of the online list: who, and the list's version once it is applied. */
export interface UserChange extends UserSummary {
  v: PresenceVersion;
}

/** The whole online list, at version `v`. */
export interface OnlineList {
  users: OnlineUser[];
  v: PresenceVersion;
}

/**
 * What changed in the online list since the version a resuming client sent (`since`), as of version `v`:
 * every identity that changed and is listed now, as the list shows it, and every one that is not.
 */
export interface OnlineListChanges {
  since: PresenceVersion;
  listed: OnlineUser[];
  left: UserSummary[];
  v: PresenceVersion;
}

export interface SessionInfo {
  /** A secret that resumes this identity (`auth: { token }`); sent to its owner only. */
  token: string;
  name: string;
  /** My identity: my messages are those whose `fromId` it is (an earlier holder of my name had another). */
  id: string;
}

/**
 * Handshake `auth`: log in with a name, or resume with the token from `session`. With `logout: true`, end
 * the token's session instead, without connecting (a tab that logged out while it was offline). `presence`:
 * the version of the online list the client still holds, if any, to be sent what changed since instead.
 *
 * `newToken`, optional with a name: the token the new session is to have, made by the client (32 random
 * bytes, base64url: 43 characters). The client knows it before the server answers, so a retry of the
 * login, its connection lost before `session` arrived, resumes the session the first attempt made
 * rather than finding the name taken. A token a session ever had is refused with SESSION_EXPIRED.
 */
export type HandshakeAuth =
  | { name: string; newToken?: string | null }
  | { token: string; logout?: boolean; presence?: PresenceVersion | null };

export interface SendRequest {
  /** null: the group chat; a name: a private message to that user. */
  to: string | null;
  /**
   * With `to`, optionally: the `id` of the user meant (from the online list). If the name is held by
   * someone else by now, the message is refused with USER_OFFLINE instead of reaching them.
   */
  toId?: string | null;
  text: string;
  /** Unique per send of this identity; resending it returns the original message and delivers nothing. */
  clientId: string;
}

export interface HistoryRequest {
  /** null: the group chat; a name: my private conversation with that user. */
  with: string | null;
  /**
   * With a name in `with`, optionally: the `id` of the identity meant. The page then holds only my
   * messages with that identity, not those with earlier or later holders of the name.
   */
  withId?: string | null;
  /** Only messages older than this id (paging backwards); absent or null: the newest page. */
  before?: MessageId | null;
  /** Absent or null: LIMITS.historyPageDefault. */
  limit?: number | null;
}

/**
 * "I am writing to you": private conversations only (with everyone online, the group chat's notices would
 * cost every client a frame per writer and say little). Send it at most every LIMITS.typingNoticeEveryMs
 * while the user types; there is no "stopped" notice: the peer shows it for LIMITS.typingShownMs, or until
 * the message arrives.
 */
export interface TypingRequest {
  /** The name of the user I am writing to. */
  to: string;
  /** Optionally, as in SendRequest: the identity meant; if someone else holds the name, nobody is told. */
  toId?: string | null;
}

export interface SyncRequest {
  /** The newest message id the client has; null for everything. */
  after: MessageId | null;
}

export type SendAck = Result<{ message: ChatMessage }>;
export type HistoryAck = Result<{ messages: ChatMessage[] }>;
export type SyncAck = Result<{ messages: ChatMessage[]; more: boolean }>;
/** Nothing but whether the notice went out: `ok: true`, or why not (USER_OFFLINE, RATE_LIMITED…). */
export type TypingAck = Result<Record<never, never>>;

export interface ClientToServerEvents {
  "message:send": (req: SendRequest, ack: (res: SendAck) => void) => void;
  "history:get": (req: HistoryRequest, ack: (res: HistoryAck) => void) => void;
  sync: (req: SyncRequest, ack: (res: SyncAck) => void) => void;
  typing: (req: TypingRequest, ack: (res: TypingAck) => void) => void;
  logout: () => void;
}

export interface ServerToClientEvents {
  /** First event of every connection. */
  session: (s: SessionInfo) => void;
  /** Second event of every connection: everyone online, me included. Deltas follow. */
  users: (u: OnlineList) => void;
  /** Second event instead of `users` for a client that resumed with a version the server still has. */
  "users:since": (u: OnlineListChanges) => void;
  /** Listed, not away. */
  "user:joined": (u: UserChange) => void;
  /** Unlisted; the name is free. */
  "user:left": (u: UserChange) => void;
  /** Still listed, but their last connection dropped (see OnlineUser.away). */
  "user:away": (u: UserChange) => void;
  /** Connected again after being away. */
  "user:back": (u: UserChange) => void;
  message: (m: ChatMessage) => void;
  /** This user is writing to me (see TypingRequest); never sent to anyone else, nor for the group chat. */
  typing: (u: UserSummary) => void;
}

export type ServerEventName = keyof ServerToClientEvents;

/**
 * Names every event of `Events` once, keyed by what it does. An event left out fails to compile, the
 * error naming it as `missing`.
 */
function eventNames<Events>() {
  return <const Names extends Record<string, keyof Events>>(
    names: Names &
      ([Exclude<keyof Events, Names[keyof Names]>] extends [never]
        ? unknown
        : { missing: Exclude<keyof Events, Names[keyof Names]> }),
  ): Names => names;
}

/** The events' names at run time, for code that must name one without restating it (a conformance test). */
export const CLIENT_EVENTS = eventNames<ClientToServerEvents>()({
  send: "message:send",
  history: "history:get",
  sync: "sync",
  typing: "typing",
  logout: "logout",
});
export const SERVER_EVENTS = eventNames<ServerToClientEvents>()({
  session: "session",
  users: "users",
  usersSince: "users:since",
  joined: "user:joined",
  left: "user:left",
  away: "user:away",
  back: "user:back",
  message: "message",
  typing: "typing",
});
/** The requests that are answered: every one but `logout`. */
export type RequestEventName = Exclude<keyof ClientToServerEvents, typeof CLIENT_EVENTS.logout>;
/** The answer a request of `E` gets, through its ack. */
export type AnswerTo<E extends RequestEventName> = Parameters<Parameters<ClientToServerEvents[E]>[1]>[0];

export type ServerPayload<E extends ServerEventName> = Parameters<ServerToClientEvents[E]>[0];
/** One event the server sends, with its payload: `["message", ChatMessage]`, `["user:left", UserSummary]`… */
export type ServerEvent = { [E in ServerEventName]: [event: E, payload: ServerPayload<E>] }[ServerEventName];

/**
 * How many ids before its newest a client starts `sync` from. With several server processes, messages
 * relayed from another process can arrive a little after newer local ones, so "the newest id I have"
 * does not prove that every older one arrived; re-reading a margin (merged by id) closes that gap.
 */
export const SYNC_OVERLAP = 200;
