/**
 * What the runner and the load generator say to each other. A load generator process is a session: it
 * connects clients to one system when told to, keeps them, and runs measurements on them one by one.
 */

/** How the load generator talks to a system: plain WebSocket frames, or Socket.IO over a WebSocket. */
export type WireProtocol = "ws" | "socket.io";

export interface SessionConfig {
  port: number;
  protocol: WireProtocol;
  /** The first `senders` clients send; every client receives. */
  senders: number;
  /** Clients after the senders that time every message they receive; the native counter holds the rest. */
  samplers: number;
  /** The compiled native counter (bench/native/counter.c). */
  counterPath: string;
  /** Whether a group message also reaches the socket that sent it. */
  echoToSender: boolean;
  /** Whether the system hands out resume tokens (this chat server): stormed clients resume and `sync`. */
  resumesSessions: boolean;
  textLength: number;
}

export interface ChurnPlan {
  /** New users logging in per second (each with a fresh name), while the others chat. */
  joinsPerSecond: number;
  /** How long each of them stays before its connection closes. */
  stayMs: number;
  /** How long after a close the server announces the leave (its presence grace), to count leaves when seen. */
  leaveAnnouncedAfterMs: number;
}

export interface MeasurePlan {
  pattern: "group" | "private";
  /** Offered messages per second, spread over the senders, open loop. */
  messagesPerSecond: number;
  warmupMs: number;
  measureMs: number;
  /** After the last send, how long undelivered messages may still arrive before they count as lost. */
  drainMs: number;
  churn: ChurnPlan | null;
}

export type LoadgenCommand =
  | { command: "connect"; clients: number }
  | ({ command: "measure" } & MeasurePlan)
  | { command: "storm"; recover: boolean };

/** Latency in milliseconds; null means at least that share of messages never arrived (infinite). */
export type Millis = number | null;

export interface StepResult {
  clients: number;
  /** Messages sent whose intended send time fell in the measured window. */
  sent: number;
  acked: number;
  refused: number;
  /** Chat frames that arrived during the measured window, whatever their send time. */
  deliveries: number;
  /** Deliveries per second over the measured window, and what the sends of the window asked for. */
  deliveryRate: number;
  offeredRate: number;
  /** Deliveries timed by the sampling clients, and how many they were owed but never got. */
  timed: number;
  lost: number;
  p50: Millis;
  p99: Millis;
  max: Millis;
  /** Load generator's CPU use (its Node process and the native counter) over the window, % of its core. */
  loadgenBusy: number;
  /** Connections the server closed since the session started. */
  disconnects: number;
  /** Non-chat frames (presence) received per client over the window, and their mean size in bytes. */
  otherFramesPerClient: number;
  otherFrameBytes: number;
  chatFrameBytes: number;
  /** Churn only: users who logged in, and whose leaves were due to be announced, during the window. */
  joins: number;
  leaves: number;
}

/** A storm (bench/native/counter.c): how long each client took to be back, counted from the cut. */
export interface StormReport {
  clients: number;
  /** Logins refused (or connections ended before login) on the way back, each tried again. */
  refusals: number;
  p50Ms: number;
  p99Ms: number;
  /** When the last client was back: the whole storm. */
  maxMs: number;
  /** Bytes each client received on its way back (the greeting, the online list, the sync answer). */
  bytesPerClient: number;
  /** Clients whose connection was recovered (connection state recovery) instead of caught up by sync. */
  recovered: number;
}

/** One line of the load generator's stdout. */
export type LoadgenEvent =
  | { event: "connected"; clients: number }
  | { event: "measure-start" }
  | { event: "measure-end" }
  | { event: "result"; result: StepResult }
  | { event: "stormed"; result: StormReport }
  | { event: "failed"; error: string };
