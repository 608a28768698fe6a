import type { ConversationResult } from "./client/long-conversation.js";
import type { StepMeasurement } from "./load-session.js";
import type { Plan, SweepPlan } from "./plan.js";
import type { StormStep } from "./reconnect-storm.js";
import type { Millis } from "./step.js";
import type { SystemId } from "./systems.js";

/** Everything one run measured (bench/results/latest.json), and the summaries the report is made of. */

export interface Step {
  system: SystemId;
  /** Offered deliveries per second the step was planned at. */
  rate: number;
  repeat: number;
  /** Null when the step failed; `error` says how. */
  m: StepMeasurement | null;
  error?: string;
}

export interface SweepResult {
  plan: SweepPlan;
  /** How long each system took to connect the sweep's clients, per connection ramp (ms). */
  connectMs: Partial<Record<SystemId, number[]>>;
  steps: Step[];
  /** The extra rate at which the p99 target compares systems (75 % of b's saturation), when measured. */
  probeRate: number | null;
}

/** A system's memory after a full garbage collection: its processes' RSS, and the V8 heap in use. */
export interface IdleMemory {
  rss: number;
  /** heapUsed + external of the Node process; null when it did not report. */
  heap: number | null;
}

export interface IdleRun {
  system: SystemId;
  before: IdleMemory;
  /** Clients connected → memory after settling and collecting, and the connect time. */
  at: Record<number, IdleMemory & { connectMs: number }>;
  error?: string;
}

export interface BenchResults {
  plan: Plan;
  startedAt: string;
  finishedMs: number;
  machine: string;
  systems: { id: SystemId; label: string; unavailable: string | null }[];
  sweeps: SweepResult[];
  idle: IdleRun[];
  churn: Step[];
  overload: { rate: number; steps: Step[] } | null;
  sustained: Step[];
  storm: StormStep[];
  bundle: { file: string; bytes: number; gzip: number }[];
  /** The client with a 10,000-message conversation; null when not run. */
  conversation: { unavailable: string | null; result: ConversationResult | null; error?: string } | null;
}

export const LATENCY_LIMIT_MS = 1000;

export function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Median of latencies where null is infinite: infinite when at least half the values are. */
export function medianMillis(values: Millis[]): Millis {
  if (values.length === 0) return null;
  const sorted = values.map((v) => v ?? Number.POSITIVE_INFINITY).sort((x, y) => x - y);
  const value = sorted[(sorted.length - 1) >> 1] as number;
  return Number.isFinite(value) ? value : null;
}

export const passes = (m: StepMeasurement | null) =>
  m !== null && m.p99 !== null && m.p99 <= LATENCY_LIMIT_MS;
const valid = (steps: Step[]) => steps.filter((s) => s.m && !s.m.invalid).map((s) => s.m as StepMeasurement);

export interface RatePoint {
  rate: number;
  runs: number;
  valid: number;
  passed: number;
  deliveryRate: number | null;
  p50: Millis;
  p99: Millis;
  serverCpu: number | null;
  loadgenBusy: number | null;
}

/** One system's steps at each rate, as medians over the repeats that counted. */
export function ratePoints(steps: Step[], system: SystemId): RatePoint[] {
  const rates = [...new Set(steps.filter((s) => s.system === system).map((s) => s.rate))].sort(
    (x, y) => x - y,
  );
  return rates.map((rate) => {
    const here = steps.filter((s) => s.system === system && s.rate === rate);
    const counted = valid(here);
    return {
      rate,
      runs: here.length,
      valid: counted.length,
      passed: counted.filter(passes).length,
      deliveryRate: median(counted.map((m) => m.deliveryRate)),
      p50: medianMillis(counted.map((m) => m.p50)),
      p99: medianMillis(counted.map((m) => m.p99)),
      serverCpu: median(counted.map((m) => m.serverCpu)),
      loadgenBusy: median(here.flatMap((s) => (s.m ? [s.m.loadgenBusy] : []))),
    };
  });
}

export interface Saturation {
  /** The most deliveries per second the system made in any step (median over repeats). */
  capacity: number | null;
  /** The highest offered rate whose median p99 stayed within 1 s, with its medians. */
  lastPassing: RatePoint | null;
  /** The first rate that failed, and why the sweep stopped there. */
  firstFailing: RatePoint | null;
}

export function saturation(steps: Step[], system: SystemId): Saturation {
  const points = ratePoints(steps, system);
  const rates = points.filter((p) => p.valid > 0);
  const capacity = rates.length ? Math.max(...rates.map((p) => p.deliveryRate ?? 0)) : null;
  const passing = points.filter((p) => p.valid > 0 && p.p99 !== null && p.p99 <= LATENCY_LIMIT_MS);
  const failing = points.find((p) => !passing.includes(p)) ?? null;
  return { capacity, lastPassing: passing.at(-1) ?? null, firstFailing: failing };
}

/** Memory per idle connection: growth over the empty server, divided by the clients (median of repeats). */
export function idlePerConnection(
  runs: IdleRun[],
  system: SystemId,
  clients: number,
  kind: keyof IdleMemory = "rss",
): number | null {
  const values = runs.flatMap((r) => {
    const at = r.at[clients];
    const now = at?.[kind];
    const before = r.before[kind];
    return r.system === system && now != null && before != null ? [(now - before) / clients] : [];
  });
  return median(values);
}
