import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { chromiumUnavailable } from "./client/chromium.js";
import { CLIENT_DIR, longConversation } from "./client/long-conversation.js";
import { buildCounter } from "./native.js";
import { FULL, QUICK } from "./plan.js";
import { reconnectStorm } from "./reconnect-storm.js";
import { bundleSizes } from "./report/bundle.js";
import { latencyChart } from "./report/chart.js";
import { markdownReport } from "./report/markdown.js";
import type { BenchResults } from "./results.js";
import { type Context, churn, idle, overload, sustained, sweep } from "./scenarios.js";
import { storedMessages } from "./stored-messages.js";
import {
  CHAT_REDIS,
  CHAT_SQLITE,
  MINIMAL_SOCKET_IO,
  previousBuild,
  previousRedisBuild,
  RAW_WS,
  redisUnavailable,
  type SystemUnderTest,
} from "./systems.js";

/**
 * `pnpm bench [--quick]`: runs every scenario and writes bench/results/latest.{md,json,svg}.
 * For comparing one change: --scenarios=fan-out,private,overload,churn,sustained,storm,idle,scroll (name prefixes)
 * --systems=a,b,c,d --repeats=N --out=<name> (writes bench/results/<name>.* instead)
 * --baseline=server/baseline/dist (adds c0 and d0: that copy of an earlier server/dist, run beside c and d).
 * --client=<dir>: the built client the scroll scenario serves instead of client/dist (an earlier build).
 * --idle=2000,5000: the idle scenario's client counts instead of the plan's.
 * --rates=5000,8000,13000: the sweeps' offered rates instead of the plan's, each run by every system even
 * past its saturation (to see what a system does when offered more than it can do).
 * --stored=200000: the SQLite systems start from a store already holding that many private messages.
 */

const RESULTS = fileURLToPath(new URL("../results/", import.meta.url));

const { values: args } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    scenarios: { type: "string" },
    systems: { type: "string" },
    repeats: { type: "string" },
    out: { type: "string", default: "latest" },
    baseline: { type: "string" },
    client: { type: "string" },
    idle: { type: "string" },
    rates: { type: "string" },
    stored: { type: "string" },
  },
});
const wanted = (list: string | undefined, name: string) =>
  !list || list.split(",").some((prefix) => name.startsWith(prefix.trim()));
const base = args.quick ? QUICK : FULL;
const plan = {
  ...base,
  repeats: args.repeats ? Number(args.repeats) : base.repeats,
  idle: {
    ...base.idle,
    repeats: args.repeats ? Number(args.repeats) : base.idle.repeats,
    checkpoints: args.idle ? args.idle.split(",").map(Number) : base.idle.checkpoints,
  },
  sweeps: base.sweeps
    .filter((s) => wanted(args.scenarios, s.name))
    .map((s) => (args.rates ? { ...s, rates: args.rates.split(",").map(Number), pastSaturation: true } : s)),
  ...(args.stored ? { storedMessages: Number(args.stored) } : {}),
};
const started = Date.now();
const log = (line: string) =>
  console.log(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}`);

const redisMissing = await redisUnavailable();
const candidates: [SystemUnderTest, string | null][] = [
  [RAW_WS, null],
  [MINIMAL_SOCKET_IO, null],
  [CHAT_SQLITE, null],
  ...(args.baseline ? [[previousBuild(args.baseline), null] as [SystemUnderTest, null]] : []),
  [CHAT_REDIS, redisMissing],
  ...(args.baseline
    ? [[previousRedisBuild(args.baseline), redisMissing] as [SystemUnderTest, string | null]]
    : []),
];
for (const [system, reason] of candidates) if (reason) log(`${system.label}: not available: ${reason}`);
const systems = candidates
  .filter(([system, reason]) => !reason && wanted(args.systems, system.id))
  .map(([system]) => system);

log(`${plan.mode} run: ${systems.map((s) => s.label).join(", ")}`);
if (plan.storedMessages) log(`writing a store of ${plan.storedMessages} private messages`);
const stored = plan.storedMessages ? await storedMessages(plan.storedMessages, args.baseline) : null;
const ctx: Context = { plan, systems, counterPath: buildCounter(), storedDb: stored?.file, log };

const results: BenchResults = {
  plan,
  startedAt: new Date(started).toISOString(),
  finishedMs: 0,
  machine: `${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, Node ${process.version}, load average at start ${loadavg()[0]?.toFixed(2)}`,
  systems: candidates
    .filter(([s, reason]) => reason || wanted(args.systems, s.id))
    .map(([s, reason]) => ({ id: s.id, label: s.label, unavailable: reason })),
  sweeps: [],
  idle: [],
  churn: [],
  overload: null,
  sustained: [],
  storm: [],
  bundle: bundleSizes(),
  conversation: null,
};

for (const sweepPlan of plan.sweeps) results.sweeps.push(await sweep(ctx, sweepPlan));
const fanout = results.sweeps.find((s) => s.plan.pattern === "group" && s.plan.clients === 1000);
if (fanout && wanted(args.scenarios, "overload")) results.overload = await overload(ctx, fanout);
if (wanted(args.scenarios, "churn")) results.churn = await churn(ctx);
if (wanted(args.scenarios, "sustained")) results.sustained = await sustained(ctx);
if (wanted(args.scenarios, "storm")) results.storm = await reconnectStorm(ctx);
if (wanted(args.scenarios, "idle")) results.idle = await idle(ctx);
if (wanted(args.scenarios, "scroll")) results.conversation = await conversation();
results.finishedMs = Date.now() - started;
stored?.remove();

/** The client scenario: Chromium with a 10,000-message conversation (not a system of the comparison). */
async function conversation(): Promise<BenchResults["conversation"]> {
  const unavailable = chromiumUnavailable();
  log(`scroll: a conversation of ${plan.conversation.messages} messages in Chromium`);
  if (unavailable) {
    log(`  not available: ${unavailable}`);
    return { unavailable, result: null };
  }
  try {
    const clientDir = args.client ? resolve(args.client) : CLIENT_DIR;
    return { unavailable, result: await longConversation(plan.conversation, clientDir, log) };
  } catch (error) {
    log(`  FAILED ${String(error)}`);
    return { unavailable, result: null, error: String(error) };
  }
}

mkdirSync(RESULTS, { recursive: true });
writeFileSync(`${RESULTS}${args.out}.json`, `${JSON.stringify(results, null, 1)}\n`);
writeFileSync(`${RESULTS}${args.out}.svg`, latencyChart(results));
writeFileSync(`${RESULTS}${args.out}.md`, markdownReport(results, `${args.out}.svg`));
log(`done: bench/results/${args.out}.md`);
