import { LoadSession, type StepMeasurement } from "./load-session.js";
import type { Plan, SweepPlan } from "./plan.js";
import {
  type IdleRun,
  LATENCY_LIMIT_MS,
  medianMillis,
  type Step,
  type SweepResult,
  saturation,
} from "./results.js";
import type { MeasurePlan } from "./step.js";
import type { RunningSystem, ServerTuning, SystemId, SystemUnderTest } from "./systems.js";

/** The scenarios of the benchmark (README, "Benchmark"), each a sequence of steps with the systems interleaved at every rate. */

export interface Context {
  plan: Plan;
  systems: SystemUnderTest[];
  counterPath: string;
  /** The chat.db every SQLite system starts from, when the run has one (`--stored`). */
  storedDb?: string;
  log(line: string): void;
}

interface Attached {
  running: RunningSystem;
  session: LoadSession;
  connectMs: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const describe = (m: StepMeasurement) =>
  `${m.deliveryRate}/s p50 ${m.p50 ?? "∞"} p99 ${m.p99 ?? "∞"} ms, server ${m.serverCpu}%, loadgen ${m.loadgenBusy}%` +
  (m.invalid ? ` INVALID (${m.invalid})` : "");

/** A fresh system with a fresh load generator, its clients connected. */
async function attach(
  ctx: Context,
  system: SystemUnderTest,
  clients: number,
  senders: number,
  tuning: ServerTuning = {},
): Promise<Attached> {
  const running = await system.start({ ...tuning, storedDb: ctx.storedDb });
  const { samplers, textLength } = ctx.plan;
  const session = new LoadSession(system, running, {
    senders,
    samplers,
    textLength,
    counterPath: ctx.counterPath,
  });
  try {
    const connectMs = await session.connect(clients, ctx.plan.connectTimeoutMs);
    return { running, session, connectMs };
  } catch (error) {
    await detach({ running, session, connectMs: 0 });
    throw error;
  }
}

async function detach({ running, session }: Attached): Promise<void> {
  await session.close();
  await running.stop();
}

function measurePlan(ctx: Context, pattern: "group" | "private", rate: number, clients: number): MeasurePlan {
  const { warmupMs, measureMs, drainMs } = ctx.plan;
  const messagesPerSecond = pattern === "group" ? rate / clients : rate;
  return { pattern, messagesPerSecond, warmupMs, measureMs, drainMs, churn: null };
}

/** Runs one step and records it; a failure is recorded, not thrown, so one bad step does not end the run. */
async function record(
  ctx: Context,
  steps: Step[],
  base: Omit<Step, "m">,
  run: () => Promise<StepMeasurement>,
) {
  try {
    const m = await run();
    steps.push({ ...base, m });
    ctx.log(`  ${base.system} @ ${base.rate}/s #${base.repeat}: ${describe(m)}`);
  } catch (error) {
    steps.push({ ...base, m: null, error: String(error) });
    ctx.log(`  ${base.system} @ ${base.rate}/s #${base.repeat}: FAILED ${String(error)}`);
  }
}

/** Rising rates until each system's median p99 passes 1 s (or its steps stop being valid). */
export async function sweep(ctx: Context, plan: SweepPlan): Promise<SweepResult> {
  ctx.log(`${plan.name}: ${plan.processes} processes per step`);
  const result: SweepResult = { plan, connectMs: {}, steps: [], probeRate: null };
  const shared = new Map<SystemId, Attached>();
  const stepOn = async (system: SystemUnderTest, rate: number): Promise<StepMeasurement> => {
    const attached = shared.get(system.id) ?? (await attach(ctx, system, plan.clients, plan.senders));
    if (plan.processes === "fresh" || !shared.has(system.id)) {
      result.connectMs[system.id] = [...(result.connectMs[system.id] ?? []), attached.connectMs];
    }
    if (plan.processes === "shared") shared.set(system.id, attached);
    try {
      return await attached.session.measure(measurePlan(ctx, plan.pattern, rate, plan.clients));
    } finally {
      if (plan.processes === "fresh") await detach(attached);
    }
  };
  const runRate = async (systems: SystemUnderTest[], rate: number) => {
    for (let repeat = 1; repeat <= ctx.plan.repeats; repeat++) {
      for (const system of systems) {
        await record(ctx, result.steps, { system: system.id, rate, repeat }, () => stepOn(system, rate));
        if (plan.processes === "shared") await sleep(1000); // the previous step's backlog drains
      }
    }
  };
  try {
    let active = [...ctx.systems];
    for (const rate of plan.rates) {
      if (active.length === 0) break;
      await runRate(active, rate);
      if (!plan.pastSaturation)
        active = active.filter((system) => stillRising(result.steps, system.id, rate));
    }
    // The p99 target compares systems at 75 % of the minimal Socket.IO chat's saturation.
    const capacityOfB = saturation(result.steps, "b").capacity;
    if (plan.probe && capacityOfB) {
      result.probeRate = Math.round((0.75 * capacityOfB) / 1000) * 1000;
      ctx.log(`${plan.name}: p99 probe at ${result.probeRate}/s (75% of b's saturation)`);
      await runRate(ctx.systems, result.probeRate);
    }
  } finally {
    for (const attached of shared.values()) await detach(attached);
  }
  return result;
}

function stillRising(steps: Step[], system: SystemId, rate: number): boolean {
  const here = steps.filter((s) => s.system === system && s.rate === rate && s.m && !s.m.invalid);
  if (here.length === 0) return false;
  const p99 = medianMillis(here.map((s) => (s.m as StepMeasurement).p99));
  return p99 !== null && p99 <= LATENCY_LIMIT_MS;
}

/** Memory per idle connection: connect to each checkpoint, let it settle, read the system's memory. */
export async function idle(ctx: Context): Promise<IdleRun[]> {
  const { checkpoints, repeats, settleMs } = ctx.plan.idle;
  ctx.log(`idle connections: ${checkpoints.join(", ")}`);
  const runs: IdleRun[] = [];
  for (let repeat = 1; repeat <= repeats; repeat++) {
    for (const system of ctx.systems) {
      const running = await system.start({});
      const { samplers, textLength } = ctx.plan;
      const session = new LoadSession(system, running, {
        senders: 1,
        samplers,
        textLength,
        counterPath: ctx.counterPath,
      });
      const memory = async () => {
        const heap = await running.collectGarbage();
        return { rss: session.rss(), heap: heap && heap.heapUsed + heap.external };
      };
      const run: IdleRun = { system: system.id, before: await memory(), at: {} };
      try {
        for (const clients of checkpoints) {
          const connectMs = await session.connect(clients, ctx.plan.connectTimeoutMs);
          await sleep(settleMs);
          const now = await memory();
          run.at[clients] = { ...now, connectMs };
          const kib = (bytes: number) => (bytes / clients / 1024).toFixed(1);
          const heap = now.heap !== null && run.before.heap !== null ? kib(now.heap - run.before.heap) : "–";
          ctx.log(
            `  ${system.id} C=${clients}: ${kib(now.rss - run.before.rss)} KiB RSS, ${heap} KiB heap per connection, connected in ${connectMs} ms`,
          );
        }
      } catch (error) {
        run.error = String(error);
        ctx.log(`  ${system.id}: FAILED ${run.error}`);
      } finally {
        runs.push(run);
        await session.close();
        await running.stop();
      }
    }
  }
  return runs;
}

/** One rate: a step on fresh processes for each of `systems` and each repeat, measured as `plan` says. */
async function atOneRate(
  ctx: Context,
  systems: SystemUnderTest[],
  repeats: number,
  load: { clients: number; senders: number; rate: number; tuning?: ServerTuning },
  plan: MeasurePlan,
): Promise<Step[]> {
  const { clients, senders, rate, tuning } = load;
  const steps: Step[] = [];
  for (let repeat = 1; repeat <= repeats; repeat++) {
    for (const system of systems) {
      await record(ctx, steps, { system: system.id, rate, repeat }, async () => {
        const attached = await attach(ctx, system, clients, senders, tuning);
        try {
          return await attached.session.measure(plan);
        } finally {
          await detach(attached);
        }
      });
    }
  }
  return steps;
}

/** Users joining and leaving continuously while the others chat at a fixed rate. */
export async function churn(ctx: Context): Promise<Step[]> {
  const { clients, senders, rate, joinsPerSecond, stayMs, graceMs } = ctx.plan.churn;
  ctx.log(`churn: ${joinsPerSecond} joins/s at ${rate} deliveries/s, C=${clients}`);
  const load = { clients, senders, rate, tuning: { presenceGraceMs: graceMs } };
  const churning = { joinsPerSecond, stayMs, leaveAnnouncedAfterMs: graceMs };
  const plan = { ...measurePlan(ctx, "group", rate, clients), churn: churning };
  return atOneRate(ctx, ctx.systems, ctx.plan.repeats, load, plan);
}

/**
 * Private messages at a fixed rate for a minute: memory that grows with what has been sent (say, a buffer
 * trimmed by age once a minute) shows here, where a step of a few seconds hides it.
 */
export async function sustained(ctx: Context): Promise<Step[]> {
  const { clients, senders, rate, measureMs, repeats } = ctx.plan.sustained;
  ctx.log(`sustained: ${rate} private messages/s for ${measureMs / 1000} s, C=${clients}`);
  const plan = { ...measurePlan(ctx, "private", rate, clients), measureMs };
  return atOneRate(ctx, ctx.systems, repeats, { clients, senders, rate }, plan);
}

/** 1.5 × a system's own fan-out saturation for a while: it must degrade by queueing, never by dropping. */
export async function overload(
  ctx: Context,
  fanout: SweepResult,
): Promise<{ rate: number; steps: Step[] } | null> {
  const chat = ctx.systems.filter((s) => s.hasPresence);
  const capacity = saturation(fanout.steps, "c").capacity;
  if (!capacity || chat.length === 0) return null;
  const rate = Math.round((ctx.plan.overload.factor * capacity) / 1000) * 1000;
  const { measureMs, drainMs } = ctx.plan.overload;
  ctx.log(`overload: ${rate} deliveries/s for ${measureMs} ms`);
  const { clients, senders } = fanout.plan;
  const plan = { ...measurePlan(ctx, "group", rate, clients), measureMs, drainMs };
  return { rate, steps: await atOneRate(ctx, chat, ctx.plan.repeats, { clients, senders, rate }, plan) };
}
