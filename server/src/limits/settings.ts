import { LIMITS } from "@chat/shared";

/**
 * Every limit this server enforces. Content limits may be set lower than the protocol's (`LIMITS` in
 * shared/), never higher: clients are written against those. A rate or connection limit of 0 is off.
 */
export interface Limits {
  /** Largest Socket.IO packet in bytes; a larger one closes the connection (Socket.IO's 1 MB default is far more than chat text needs). */
  maxHttpBufferSize: number;
  /** Bytes written to a connection and not yet read by its client; past them it is cut (it resumes). */
  maxUnreadBytes: number;
  /**
   * Messages kept for connection state recovery (one process), the oldest dropped past them: a client
   * whose last message went with them catches up by `sync` instead.
   */
  recoveryMaxPackets: number;
  /** Message text, in code points. */
  textMaxLength: number;
  /** Login names, in code points. */
  nameMaxLength: number;
  /** Largest `history:get` page; at least `LIMITS.historyPageDefault`, which clients ask for. */
  historyPageMax: number;
  /**
   * The time an HTTP client has to send a request's headers and body; a slower one is answered 408 and
   * closed. Node's defaults (60 s for headers, 5 min for a request) let a few slow connections hold
   * sockets and memory for minutes each. Requests are small here: long-polling bodies and handshakes.
   */
  httpRequestTimeoutMs: number;
  /** Open connections from one address, on this server process. */
  connectionsPerIp: number;
  /** Handshakes (logins, resumes, reconnects) from one address per minute. */
  handshakesPerIpPerMinute: number;
  /** `message:send` per identity: sustained per second, plus a burst allowance per `BURST_WINDOW_S`. */
  messagesPerSecond: number;
  messageBurst: number;
  /** `history:get` and `sync` per identity, the same way. */
  readsPerSecond: number;
  readBurst: number;
  /** `typing` notices per identity, the same way. */
  typingPerSecond: number;
  typingBurst: number;
  /**
   * RATE_LIMITED answers one connection may get per `BURST_WINDOW_S` for limits of its own: the next
   * cuts its transport (see RefusalCut). Refusals of an overloaded process do not count.
   */
  refusalsPerConnection: number;
  /** Requests are refused beyond those the process finishes in this many ms (see LoadShedding); 0 is off. */
  overloadTargetMs: number;
}

/** The window in which a burst allowance is spent and renewed. */
export const BURST_WINDOW_S = 10;

export const DEFAULT_LIMITS: Limits = {
  // The largest valid send is 4000 code points that JSON escapes to 6 bytes each: about 24 KB.
  maxHttpBufferSize: 64 * 1024,
  // A client this far behind (about 170 of the largest messages, thousands of usual ones) reads slower
  // than the chat is written; it catches up faster by reconnecting (recovery or sync) than by reading.
  maxUnreadBytes: 4 * 1024 * 1024,
  // About 1 KB of heap each (measured at 4,000 private messages a second), held up to twice over: 10 to
  // 20 MB. At a busy chat's tens of messages a second that is minutes, longer than the recovery window.
  recoveryMaxPackets: 10_000,
  textMaxLength: LIMITS.textMaxLength,
  nameMaxLength: LIMITS.nameMaxLength,
  historyPageMax: LIMITS.historyPageMax,
  httpRequestTimeoutMs: 10_000,
  connectionsPerIp: 50,
  handshakesPerIpPerMinute: 120,
  // A person types far slower; the burst lets an outbox that filled up offline drain at once.
  messagesPerSecond: 5,
  messageBurst: 30,
  // A reconnect loads one history page per open window and pages through `sync`.
  readsPerSecond: 10,
  readBurst: 50,
  // A client sends one notice per peer every few seconds while its user types; several windows at once fit.
  typingPerSecond: 2,
  typingBurst: 20,
  // Far beyond what a client that waits as told gets: a reconnect with 30 windows open, each asking
  // for its page, is refused about 40 times, all within seconds.
  refusalsPerConnection: 300,
  // A pause a person hardly notices, and about twice what a request waits on a loaded but healthy
  // server (the SQLite build's group commits at 8,000 messages a second). 50 ms refused work that
  // build could do (bench/results/notes.md, "load shedding").
  overloadTargetMs: 100,
};

/** Each limit's environment variable, and the values it may be set to (see readConfig). */
export const LIMIT_VARIABLES: { readonly [K in keyof Limits]: { env: string; min?: number; max?: number } } =
  {
    // Content limits may be lowered, never raised above the protocol's (clients rely on those).
    maxHttpBufferSize: { env: "MAX_HTTP_BUFFER_SIZE", min: 1024, max: 1024 * 1024 },
    maxUnreadBytes: { env: "MAX_UNREAD_BYTES", min: 64 * 1024, max: 256 * 1024 * 1024 },
    recoveryMaxPackets: { env: "RECOVERY_MAX_PACKETS", max: 1_000_000 },
    textMaxLength: { env: "TEXT_MAX_LENGTH", min: 1, max: LIMITS.textMaxLength },
    nameMaxLength: { env: "NAME_MAX_LENGTH", min: 1, max: LIMITS.nameMaxLength },
    historyPageMax: { env: "HISTORY_PAGE_MAX", min: LIMITS.historyPageDefault, max: LIMITS.historyPageMax },
    httpRequestTimeoutMs: { env: "HTTP_REQUEST_TIMEOUT_MS", min: 1000, max: 600_000 },
    // Rates and connection counts: 0 turns the limit off.
    connectionsPerIp: { env: "CONNECTIONS_PER_IP" },
    handshakesPerIpPerMinute: { env: "HANDSHAKES_PER_IP_PER_MINUTE" },
    messagesPerSecond: { env: "MESSAGES_PER_SECOND" },
    messageBurst: { env: "MESSAGE_BURST" },
    readsPerSecond: { env: "READS_PER_SECOND" },
    readBurst: { env: "READ_BURST" },
    typingPerSecond: { env: "TYPING_PER_SECOND" },
    typingBurst: { env: "TYPING_BURST" },
    refusalsPerConnection: { env: "REFUSALS_PER_CONNECTION" },
    overloadTargetMs: { env: "OVERLOAD_TARGET_MS", max: 60_000 },
  };
