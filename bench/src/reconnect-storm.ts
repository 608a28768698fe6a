import { LoadSession, type StormMeasurement } from "./load-session.js";
import { median } from "./results.js";
import type { Context } from "./scenarios.js";
import type { SystemId, SystemUnderTest } from "./systems.js";

/**
 * The reconnect storm: every counted client is cut at once (a server's network blips) and comes straight
 * back. With this chat server each resumes with its token and catches up with `sync` from a margin
 * before the newest message it saw, as the web client does after a reconnect it could not recover (every
 * reconnect with Redis, and with SQLite every one past the recovery window); the store holds some group
 * messages by then, so each answer carries a full margin. The baselines only log in again.
 */

export interface StormStep {
  system: SystemId;
  clients: number;
  repeat: number;
  /** Null when the step failed; `error` says how. */
  m: StormMeasurement | null;
  error?: string;
}

/** Far longer than any system here needs: a storm that takes this long has hung. */
const STORM_TIMEOUT_MS = 180_000;
/** The messages written before the storm come from one sender, to the few clients connected by then. */
export const HISTORY_SENDERS = 1;

export async function reconnectStorm(ctx: Context): Promise<StormStep[]> {
  const { clients: sizes, history } = ctx.plan.storm;
  ctx.log(`reconnect storm: C=${sizes.join(", ")}, after ${history} group messages`);
  const steps: StormStep[] = [];
  for (const clients of sizes) {
    for (let repeat = 1; repeat <= ctx.plan.repeats; repeat++) {
      for (const system of ctx.systems) {
        const step = { system: system.id, clients, repeat };
        const label = `  ${system.id} C=${clients} #${repeat}`;
        try {
          const m = await stormOnce(ctx, system, clients);
          steps.push({ ...step, m });
          ctx.log(
            `${label}: all back in ${m.maxMs} ms (p50 ${m.p50Ms}, p99 ${m.p99Ms}), ${m.refusals} refused, ${(m.bytesPerClient / 1024).toFixed(1)} KiB each, server CPU ${m.serverCpuSeconds.toFixed(2)} s`,
          );
        } catch (error) {
          steps.push({ ...step, m: null, error: String(error) });
          ctx.log(`${label}: FAILED ${String(error)}`);
        }
      }
    }
  }
  return steps;
}

/** A fresh system: a little history written, `clients` connected, then the storm. */
async function stormOnce(ctx: Context, system: SystemUnderTest, clients: number): Promise<StormMeasurement> {
  const running = await system.start({ storedDb: ctx.storedDb });
  const { samplers, textLength, connectTimeoutMs, storm } = ctx.plan;
  const session = new LoadSession(system, running, {
    senders: HISTORY_SENDERS,
    samplers,
    textLength,
    counterPath: ctx.counterPath,
  });
  try {
    await session.connect(HISTORY_SENDERS + samplers, connectTimeoutMs);
    const writing = { warmupMs: 0, measureMs: 1000, drainMs: 1000, churn: null };
    await session.measure({ pattern: "group", messagesPerSecond: storm.history, ...writing });
    await session.connect(clients, connectTimeoutMs);
    return await session.storm(STORM_TIMEOUT_MS);
  } finally {
    await session.close();
    await running.stop();
  }
}

/** A system's storms at one size, as medians over the repeats that completed. */
export function stormMedians(steps: StormStep[], system: SystemId, clients: number) {
  const done = steps.flatMap((s) => (s.system === system && s.clients === clients && s.m ? [s.m] : []));
  const of = (read: (m: StormMeasurement) => number) => median(done.map(read));
  return {
    runs: steps.filter((s) => s.system === system && s.clients === clients).length,
    completed: done.length,
    maxMs: of((m) => m.maxMs),
    p50Ms: of((m) => m.p50Ms),
    p99Ms: of((m) => m.p99Ms),
    refusals: of((m) => m.refusals),
    bytesPerClient: of((m) => m.bytesPerClient),
    serverCpuSeconds: of((m) => m.serverCpuSeconds),
    peakOverConnected: of((m) => m.rssPeak / m.rssConnected),
  };
}
