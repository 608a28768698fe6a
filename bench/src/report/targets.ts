import type { StepMeasurement } from "../load-session.js";
import {
  type BenchResults,
  idlePerConnection,
  median,
  medianMillis,
  ratePoints,
  type SweepResult,
  saturation,
} from "../results.js";
import { k, ms } from "./format.js";

/** Issue 6's targets, each checked against this run, with by how much it is missed. */

export interface TargetRow {
  target: string;
  measured: string;
  required: string;
  result: string;
}

const NOT_MEASURED = (why: string) => `not measured (${why})`;

/** At least `required`: how much more the measured value would need. */
function atLeast(measured: number, required: number): string {
  return measured >= required ? "pass" : `**miss** by ${Math.round((required / measured - 1) * 100)} %`;
}

/** At most `allowed`: how much less the measured value would need to be. */
function atMost(measured: number, allowed: number): string {
  return measured <= allowed ? "pass" : `**miss** by ${Math.round((measured / allowed - 1) * 100)} %`;
}

const findSweep = (results: BenchResults, pattern: string, clients: number) =>
  results.sweeps.find((s) => s.plan.pattern === pattern && s.plan.clients === clients);

function capacityRatio(target: string, sweep: SweepResult | undefined, required: number): TargetRow {
  const base = { target, required: `≥ ${required} × (a)` };
  if (!sweep) return { ...base, measured: "–", result: NOT_MEASURED("scenario not in this plan") };
  const c = saturation(sweep.steps, "c").capacity;
  const a = saturation(sweep.steps, "a").capacity;
  if (!c || !a) return { ...base, measured: "–", result: NOT_MEASURED("no valid step of (a) or (c)") };
  const ratio = c / a;
  return {
    ...base,
    measured: `${ratio.toFixed(2)} (${k(c)} vs ${k(a)}/s)`,
    result: atLeast(ratio, required),
  };
}

function probeLatency(sweep: SweepResult | undefined): TargetRow {
  const base = { target: "p99 of (c) at 75 % of (b)'s saturation, C=1,000", required: "≤ 1.5 × (a)'s p99" };
  if (!sweep?.probeRate) return { ...base, measured: "–", result: NOT_MEASURED("no saturation of (b)") };
  const at = (id: "a" | "c") => ratePoints(sweep.steps, id).find((p) => p.rate === sweep.probeRate);
  const a = at("a")?.p99;
  const c = at("c")?.p99;
  if (a === undefined || c === undefined)
    return { ...base, measured: "–", result: NOT_MEASURED("probe steps failed") };
  const measured = `${ms(c)} vs ${ms(a)} ms at ${k(sweep.probeRate)}/s`;
  if (c === null) return { ...base, measured, result: "**miss**: messages lost" };
  if (a === null) return { ...base, measured, result: "pass ((a) lost messages)" };
  return { ...base, measured, result: atMost(c, 1.5 * a) };
}

function idleMemory(results: BenchResults): TargetRow[] {
  return results.plan.idle.checkpoints.map((clients) => {
    const base = {
      target: `RSS per idle connection of (c), C=${clients.toLocaleString("en")}`,
      required: "≤ 1.5 × (a)",
    };
    const a = idlePerConnection(results.idle, "a", clients);
    const c = idlePerConnection(results.idle, "c", clients);
    if (!a || !c)
      return { ...base, measured: "–", result: NOT_MEASURED("(a) or (c) did not reach this count") };
    const heap = (id: "a" | "c") => idlePerConnection(results.idle, id, clients, "heap");
    const heapRatio =
      heap("a") && heap("c") ? `; heap ${((heap("c") ?? 0) / (heap("a") ?? 1)).toFixed(2)}` : "";
    const measured = `${(c / a).toFixed(2)} (${(c / 1024).toFixed(1)} vs ${(a / 1024).toFixed(1)} KiB${heapRatio})`;
    return { ...base, measured, result: atMost(c / a, 1.5) };
  });
}

function presence(results: BenchResults): TargetRow[] {
  const steps = results.churn.filter((s) => s.system === "c" && s.m).map((s) => s.m as StepMeasurement);
  const framesBase = {
    target: "Frames a join or leave costs each other client",
    required: "1, never the full list",
  };
  const sizeBase = { target: "Size of that frame", required: "≤ 1.2 × a chat broadcast frame" };
  if (steps.length === 0)
    return [framesBase, sizeBase].map((b) => ({
      ...b,
      measured: "–",
      result: NOT_MEASURED("churn of (c) failed"),
    }));
  const perChange = median(steps.map((m) => m.otherFramesPerClient / Math.max(1, m.joins + m.leaves))) ?? 0;
  const presenceBytes = median(steps.map((m) => m.otherFrameBytes)) ?? 0;
  const chatBytes = median(steps.map((m) => m.chatFrameBytes)) ?? 1;
  return [
    // Joins and leaves near the window's edges are announced inside or outside it: allow 10 % for that.
    {
      ...framesBase,
      measured: perChange.toFixed(2),
      result: perChange <= 1.1 ? "pass" : atMost(perChange, 1),
    },
    {
      ...sizeBase,
      measured: `${presenceBytes} B vs ${chatBytes} B`,
      result: atMost(presenceBytes / chatBytes, 1.2),
    },
  ];
}

function overload(results: BenchResults): TargetRow[] {
  const base = `Overload at ${results.plan.overload.factor} × (c)'s saturation for ${results.plan.overload.measureMs / 1000} s`;
  const steps = (results.overload?.steps ?? [])
    .filter((s) => s.system === "c" && s.m)
    .map((s) => s.m as StepMeasurement);
  if (steps.length === 0)
    return [{ target: base, measured: "–", required: "", result: NOT_MEASURED("no overload step of (c)") }];
  const disconnects = Math.max(...steps.map((m) => m.disconnects));
  const growth = Math.max(...steps.map((m) => m.rssPeak / m.rssConnected));
  const lost = steps.map((m) => m.lost);
  const p99 = medianMillis(steps.map((m) => m.p99));
  return [
    {
      target: `${base}: disconnects`,
      measured: String(disconnects),
      required: "0",
      result: disconnects === 0 ? "pass" : "**miss**",
    },
    {
      target: `${base}: peak RSS`,
      measured: `${growth.toFixed(2)} × connected`,
      required: "≤ 1.5 ×",
      result: atMost(growth, 1.5),
    },
    {
      target: `${base}: drops counted`,
      measured: `lost after drain: ${lost.join(", ")} (timed deliveries); p99 ${ms(p99)} ms`,
      required: "every drop counted",
      result: "counted (see Overload)",
    },
  ];
}

function clientBundle(results: BenchResults): TargetRow {
  const js = results.bundle.filter((f) => f.file.endsWith(".js")).reduce((sum, f) => sum + f.gzip, 0);
  const base = { target: "Client JS, gzip", required: "≤ 80 KB" };
  if (js === 0) return { ...base, measured: "–", result: NOT_MEASURED("client not built") };
  return { ...base, measured: `${(js / 1000).toFixed(1)} KB`, result: atMost(js, 80_000) };
}

export function targets(results: BenchResults): TargetRow[] {
  const fanout1k = findSweep(results, "group", 1000);
  return [
    capacityRatio("Group fan-out saturation of (c), C=1,000", fanout1k, 0.95),
    capacityRatio("Group fan-out saturation of (c), C=5,000", findSweep(results, "group", 5000), 0.9),
    capacityRatio("Private-message saturation of (c), C=1,000", findSweep(results, "private", 1000), 0.7),
    probeLatency(fanout1k),
    ...idleMemory(results),
    ...presence(results),
    ...overload(results),
    clientBundle(results),
  ];
}
