import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { buildCounter } from "./native.js";
import { FULL, QUICK } from "./plan.js";
import { bundleSizes } from "./report/bundle.js";
import { latencyChart } from "./report/chart.js";
import { markdownReport } from "./report/markdown.js";
import type { BenchResults } from "./results.js";
import { type Context, churn, idle, overload, sweep } from "./scenarios.js";
import {
  CHAT_REDIS,
  CHAT_SQLITE,
  MINIMAL_SOCKET_IO,
  RAW_WS,
  redisUnavailable,
  type SystemUnderTest,
} from "./systems.js";

/** `pnpm bench [--quick]`: runs every scenario and writes bench/results/latest.{md,json,svg}. */

const RESULTS = fileURLToPath(new URL("../results/", import.meta.url));

const plan = process.argv.includes("--quick") ? QUICK : FULL;
const started = Date.now();
const log = (line: string) =>
  console.log(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}`);

const redisMissing = await redisUnavailable();
const candidates: [SystemUnderTest, string | null][] = [
  [RAW_WS, null],
  [MINIMAL_SOCKET_IO, null],
  [CHAT_SQLITE, null],
  [CHAT_REDIS, redisMissing],
];
for (const [system, reason] of candidates) if (reason) log(`${system.label}: not available: ${reason}`);
const systems = candidates.filter(([, reason]) => !reason).map(([system]) => system);

const ctx: Context = { plan, systems, counterPath: buildCounter(), log };
log(`${plan.mode} run: ${systems.map((s) => s.label).join(", ")}`);

const results: BenchResults = {
  plan,
  startedAt: new Date(started).toISOString(),
  finishedMs: 0,
  machine: `${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, Node ${process.version}, load average at start ${loadavg()[0]?.toFixed(2)}`,
  systems: candidates.map(([s, reason]) => ({ id: s.id, label: s.label, unavailable: reason })),
  sweeps: [],
  idle: [],
  churn: [],
  overload: null,
  bundle: bundleSizes(),
};

for (const sweepPlan of plan.sweeps) results.sweeps.push(await sweep(ctx, sweepPlan));
const fanout = results.sweeps[0];
if (fanout) results.overload = await overload(ctx, fanout);
results.churn = await churn(ctx);
results.idle = await idle(ctx);
results.finishedMs = Date.now() - started;

mkdirSync(RESULTS, { recursive: true });
writeFileSync(`${RESULTS}latest.json`, `${JSON.stringify(results, null, 1)}\n`);
writeFileSync(`${RESULTS}latest.svg`, latencyChart(results));
writeFileSync(`${RESULTS}latest.md`, markdownReport(results));
log(`done: bench/results/latest.md`);
