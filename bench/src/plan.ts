import type { ConversationPlan } from "./client/long-conversation.js";

/** How much the bench measures: a quick pass for development, and the full run that results are quoted from. */

export interface SweepPlan {
  name: string;
  pattern: "group" | "private";
  clients: number;
  senders: number;
  /** Offered deliveries per second, rising; each system stops after the first rate its p99 fails. */
  rates: number[];
  /** Every system runs every rate, failed or not: what it does when offered more than it can do. */
  pastSaturation?: boolean;
  /**
   * fresh: a new server and load generator for every step. shared: one per system for the whole sweep,
   * steps interleaved across the live systems; for client counts whose connection ramp (a presence
   * frame to everyone per join, C²/2 in all) would take minutes per step.
   */
  processes: "fresh" | "shared";
  /** Also measure every system at 75 % of (b)'s saturation, where the p99 target compares them. */
  probe: boolean;
}

export interface Plan {
  mode: "quick" | "full";
  repeats: number;
  warmupMs: number;
  measureMs: number;
  drainMs: number;
  samplers: number;
  textLength: number;
  /** Longest a system may take to connect a step's clients before the step is given up. */
  connectTimeoutMs: number;
  sweeps: SweepPlan[];
  idle: { checkpoints: number[]; repeats: number; settleMs: number };
  churn: {
    clients: number;
    senders: number;
    rate: number;
    joinsPerSecond: number;
    stayMs: number;
    graceMs: number;
  };
  /** Reconnect storm at each client count, once the store holds `history` group messages. */
  storm: { clients: number[]; history: number };
  /** Drain: long enough to tell queued messages (late) from dropped ones (never). */
  overload: { factor: number; measureMs: number; drainMs: number };
  /** Private messages at `rate` for `measureMs`, below every chat system's saturation: memory over time. */
  sustained: { clients: number; senders: number; rate: number; measureMs: number; repeats: number };
  /** Private messages the SQLite systems' store holds when each starts (`--stored`); absent: none. */
  storedMessages?: number;
  /** The client scenario: the same in both modes, since the target is 10,000 messages. */
  conversation: ConversationPlan;
}

/** Rising rates in steps of 60 %: coarse, but each system's saturation is the throughput it measured, not a step. */
const geometric = (from: number, factor: number, count: number) =>
  Array.from({ length: count }, (_, i) => Math.round((from * factor ** i) / 1000) * 1000);

export const FULL: Plan = {
  mode: "full",
  repeats: 3,
  warmupMs: 1500,
  measureMs: 3000,
  drainMs: 1500,
  samplers: 40,
  textLength: 80,
  connectTimeoutMs: 240_000,
  sweeps: [
    {
      name: "fan-out C=1,000",
      pattern: "group",
      clients: 1000,
      senders: 10,
      rates: geometric(40_000, 1.6, 6),
      processes: "fresh",
      probe: true,
    },
    {
      name: "fan-out C=5,000",
      pattern: "group",
      clients: 5000,
      senders: 10,
      rates: geometric(40_000, 1.6, 6),
      processes: "shared",
      probe: false,
    },
    {
      name: "private C=1,000",
      pattern: "private",
      clients: 1000,
      senders: 10,
      rates: geometric(5_000, 1.6, 8),
      processes: "fresh",
      probe: false,
    },
  ],
  idle: { checkpoints: [5000, 10_000], repeats: 1, settleMs: 2000 },
  churn: { clients: 1000, senders: 10, rate: 40_000, joinsPerSecond: 50, stayMs: 1000, graceMs: 500 },
  storm: { clients: [1000, 5000], history: 300 },
  overload: { factor: 1.5, measureMs: 8000, drainMs: 20_000 },
  sustained: { clients: 1000, senders: 10, rate: 4000, measureMs: 60_000, repeats: 1 },
  conversation: {
    messages: 10_000,
    inFlight: 50,
    scrollStepPx: 600,
    maxScrollFrames: 5000,
    appends: 5,
    viewport: { width: 1280, height: 800 },
  },
};

export const QUICK: Plan = {
  ...FULL,
  mode: "quick",
  repeats: 1,
  warmupMs: 1000,
  measureMs: 2000,
  drainMs: 1200,
  connectTimeoutMs: 60_000,
  sweeps: [
    {
      name: "fan-out C=1,000",
      pattern: "group",
      clients: 1000,
      senders: 10,
      rates: geometric(40_000, 2.5, 3),
      processes: "fresh",
      probe: true,
    },
    {
      name: "private C=1,000",
      pattern: "private",
      clients: 1000,
      senders: 10,
      rates: geometric(5_000, 2.5, 4),
      processes: "fresh",
      probe: false,
    },
  ],
  idle: { checkpoints: [2000], repeats: 1, settleMs: 1000 },
  storm: { clients: [1000], history: 300 },
  overload: { factor: 1.5, measureMs: 4000, drainMs: 10_000 },
  sustained: { ...FULL.sustained, measureMs: 20_000 },
};
