import { LoadSession, type StormMeasurement } from "./load-session.js";
import { median } from "./results.js";
import type { Context } from "./scenarios.js";
import type { SystemId, SystemUnderTest } from "./systems.js";

/**
 * The reconnect storm: every counted client is cut at once (a server's network blips) and comes straight
 * back. With this chat server each resumes with its token. A system that offers connection state recovery
 * (SQLite, one process) is stormed twice, on fresh servers: once with every client asking for its
 * connection back, as socket.io-client does (the web client's path within the recovery window), and once
 * without, where each catches up with `sync` from a margin before the newest message it saw, as the web
 * client does after a reconnect that was not recovered (every reconnect with Redis, and with SQLite every
 * one past the window). The store holds some group messages by then, so each sync answer carries a full
 * margin. The baselines only log in again.
 */

export interface StormStep {
  system: SystemId;
  clients: number;
  /** Whether the clients asked for their connections back (connection state recovery). */
  recover: boolean;
  repeat: number;
  /** Null when the step failed; `error` says how. */
  m: StormMeasurement | null;
  error?: string;
}

/** Far longer than any system here needs: a storm that takes this long has hung. */
const STORM_TIMEOUT_MS = 180_000;
/** How often, and how long at most, a storm waits for the server to have announced every join. */
const SETTLE_POLL_MS = 100;
const SETTLE_TIMEOUT_MS = 60_000;
/** The messages written before the storm come from one sender, to the few clients connected by then. */
export const HISTORY_SENDERS = 1;
/** Then a few reach every client, so that each has an offset to recover from. */
const LAST_MESSAGES = { messagesPerSecond: 10, measureMs: 500 };

export async function reconnectStorm(ctx: Context): Promise<StormStep[]> {
  const { clients: sizes, history } = ctx.plan.storm;
  ctx.log(`reconnect storm: C=${sizes.join(", ")}, after ${history} group messages`);
  const steps: StormStep[] = [];
  for (const clients of sizes) {
    for (let repeat = 1; repeat <= ctx.plan.repeats; repeat++) {
      for (const system of ctx.systems) {
        for (const recover of system.recoversConnections ? [true, false] : [false]) {
          const step = { system: system.id, clients, recover, repeat };
          const label = `  ${system.id}${recover ? " recovering" : ""} C=${clients} #${repeat}`;
          try {
            const m = await stormOnce(ctx, system, clients, recover);
            steps.push({ ...step, m });
            ctx.log(
              `${label}: all back in ${m.maxMs} ms (p50 ${m.p50Ms}, p99 ${m.p99Ms}), ${m.recovered} recovered, ${m.refusals} refused, ${(m.bytesPerClient / 1024).toFixed(1)} KiB each, server CPU ${m.serverCpuSeconds.toFixed(2)} s`,
            );
          } catch (error) {
            steps.push({ ...step, m: null, error: String(error) });
            ctx.log(`${label}: FAILED ${String(error)}`);
          }
        }
      }
    }
  }
  return steps;
}

/**
 * Waits until this chat server has no join or greeting waiting for its presence round, seen twice a poll
 * apart. Rounds are spaced by their cost, so right after thousands of clients connect, the last joins
 * can still be held back; a storm then would also measure their announcement, and every client would come
 * back to thousands of changes. A build without the gauge is not waited for.
 */
async function presenceSettled(port: number): Promise<void> {
  const deadline = Date.now() + SETTLE_TIMEOUT_MS;
  for (let quiet = 0; quiet < 2; ) {
    if (Date.now() > deadline) throw new Error(`presence still pending after ${SETTLE_TIMEOUT_MS} ms`);
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const pending = /^chat_presence_pending (\S+)$/m.exec(metrics);
    if (!pending) return;
    quiet = Number(pending[1]) === 0 ? quiet + 1 : 0;
    await new Promise((resolve) => setTimeout(resolve, SETTLE_POLL_MS));
  }
}

/** A fresh system: a little history written, `clients` connected, a few messages to all, then the storm. */
async function stormOnce(
  ctx: Context,
  system: SystemUnderTest,
  clients: number,
  recover: boolean,
): Promise<StormMeasurement> {
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
    const writing = { pattern: "group", warmupMs: 0, measureMs: 1000, drainMs: 1000, churn: null } as const;
    await session.measure({ ...writing, messagesPerSecond: storm.history });
    await session.connect(clients, connectTimeoutMs);
    if (system.resumesSessions) await presenceSettled(running.port);
    await session.measure({ ...writing, ...LAST_MESSAGES });
    return await session.storm(recover, STORM_TIMEOUT_MS);
  } finally {
    await session.close();
    await running.stop();
  }
}

/** A system's storms at one size, recovering or not, as medians over the repeats that completed. */
export function stormMedians(steps: StormStep[], system: SystemId, clients: number, recover: boolean) {
  const runs = steps.filter((s) => s.system === system && s.clients === clients && s.recover === recover);
  const done = runs.flatMap((s) => (s.m ? [s.m] : []));
  const of = (read: (m: StormMeasurement) => number) => median(done.map(read));
  return {
    runs: runs.length,
    completed: done.length,
    maxMs: of((m) => m.maxMs),
    p50Ms: of((m) => m.p50Ms),
    p99Ms: of((m) => m.p99Ms),
    refusals: of((m) => m.refusals),
    recovered: of((m) => m.recovered),
    bytesPerClient: of((m) => m.bytesPerClient),
    serverCpuSeconds: of((m) => m.serverCpuSeconds),
    peakOverConnected: of((m) => m.rssPeak / m.rssConnected),
  };
}
