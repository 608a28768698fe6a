import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { StepMeasurement } from "../load-session.js";
import {
  type BenchResults,
  idlePerConnection,
  median,
  medianMillis,
  ratePoints,
  type Step,
  type SweepResult,
  saturation,
} from "../results.js";
import type { SystemId } from "../systems.js";
import { conversationSection } from "./conversation.js";
import { k, kib, ms, pct, table } from "./format.js";
import { stormCell, stormSection } from "./storm.js";
import { type TargetRow, targets } from "./targets.js";

/** bench/results/latest.md: the summary table, the targets, the details, the client, the server changes. */

const SERVER_CHANGES = fileURLToPath(new URL("../../results/notes.md", import.meta.url));
/** Why the missed targets miss: written by hand from a full run, shown under the targets. */
const MISSES = fileURLToPath(new URL("../../results/misses.md", import.meta.url));

function sweepCell(sweep: SweepResult, system: SystemId): string {
  const { capacity, lastPassing } = saturation(sweep.steps, system);
  if (capacity === null) return "not measured";
  const p = lastPassing;
  const latency = p ? `p50 ${ms(p.p50)} / p99 ${ms(p.p99)} ms @ ${k(p.rate)}` : "p99 > 1 s at every rate";
  return `**${k(capacity)}/s** · ${latency} · CPU ${pct(p?.serverCpu ?? null)}`;
}

function churnCell(steps: Step[], system: SystemId): string {
  const ms_ = steps.filter((s) => s.system === system && s.m).map((s) => s.m as StepMeasurement);
  if (ms_.length === 0) return "–";
  const frames = median(ms_.map((m) => m.otherFramesPerClient / Math.max(1, m.joins + m.leaves)));
  return `p99 ${ms(medianMillis(ms_.map((m) => m.p99)))} ms · ${frames === null ? "–" : frames.toFixed(2)} frames/change`;
}

function summary(results: BenchResults): string {
  const systems = results.systems.filter((s) => !s.unavailable);
  const checkpoints = results.plan.idle.checkpoints;
  const header = [
    "system",
    ...results.sweeps.map(
      (s) => `${s.plan.name} (saturation ${s.plan.pattern === "group" ? "deliveries" : "messages"}/s)`,
    ),
    `idle RSS (heap) per connection, C=${checkpoints.join(" / ")}`,
    "churn (chatters' p99, presence frames per join or leave per client)",
    `reconnect storm, C=${results.plan.storm.clients.join(" / ")} (all back; recovered, then by sync, where a system recovers connections)`,
  ];
  const rows = systems.map((s) => [
    s.label,
    ...results.sweeps.map((sweep) => sweepCell(sweep, s.id)),
    checkpoints
      .map(
        (c) =>
          `${kib(idlePerConnection(results.idle, s.id, c))} (${kib(idlePerConnection(results.idle, s.id, c, "heap"))})`,
      )
      .join(" / "),
    churnCell(results.churn, s.id),
    stormCell(results, s.id),
  ]);
  const missing = results.systems
    .filter((s) => s.unavailable)
    .map((s) => `- ${s.label}: not available: ${s.unavailable}`);
  return [table(header, rows), "", ...missing].join("\n");
}

function targetTable(rows: TargetRow[]): string {
  return table(
    ["target", "measured", "required", "result"],
    rows.map((r) => [r.target, r.measured, r.required, r.result]),
  );
}

function sweepDetails(sweep: SweepResult, results: BenchResults): string {
  const systems = results.systems.filter((s) => !s.unavailable).map((s) => s.id);
  const rates = [...new Set(sweep.steps.map((s) => s.rate))].sort((x, y) => x - y);
  const rows = rates.map((rate) => [
    `${k(rate)}${rate === sweep.probeRate ? " (probe)" : ""}`,
    ...systems.map((id) => {
      const p = ratePoints(sweep.steps, id).find((point) => point.rate === rate);
      if (!p) return "";
      if (p.valid === 0) return `invalid/failed (${p.runs})`;
      return `${k(p.deliveryRate)}/s, ${ms(p.p50)} / ${ms(p.p99)} ms, ${p.passed}/${p.runs} pass, CPU ${pct(p.serverCpu)}, lg ${pct(p.loadgenBusy)}`;
    }),
  ]);
  const connect = systems
    .map(
      (id) =>
        `${id}: ${(sweep.connectMs[id] ?? []).map((v) => `${(v / 1000).toFixed(1)} s`).join(", ") || "–"}`,
    )
    .join("; ");
  return [
    `### ${sweep.plan.name}`,
    "",
    `Each cell: delivered/s (median), p50 / p99 (median), steps whose p99 ≤ 1 s out of steps run, server CPU, load-generator CPU (lg). ${sweep.plan.senders} senders, ${sweep.plan.processes} processes.`,
    "",
    table(["offered/s", ...systems], rows),
    "",
    `Time to connect ${sweep.plan.clients} clients: ${connect}.`,
  ].join("\n");
}

function stepList(title: string, steps: Step[]): string {
  const rows = steps.map((s) => {
    const m = s.m;
    if (!m) return [s.system, String(s.repeat), `failed: ${s.error ?? ""}`, "", "", "", "", ""];
    return [
      s.system,
      String(s.repeat),
      `${k(m.deliveryRate)}/s of ${k(m.offeredRate)}/s`,
      `${ms(m.p50)} / ${ms(m.p99)} ms`,
      `${m.lost} of ${m.timed + m.lost}`,
      `${m.disconnects}`,
      `${kib(m.rssConnected)} → peak ${kib(m.rssPeak)} (×${(m.rssPeak / m.rssConnected).toFixed(2)})`,
      `${m.otherFramesPerClient.toFixed(1)} frames of ${m.otherFrameBytes} B (chat frame ${m.chatFrameBytes} B), ${m.joins} joins, ${m.leaves} leaves`,
    ];
  });
  return [
    `### ${title}`,
    "",
    table(
      [
        "system",
        "#",
        "delivered",
        "p50 / p99",
        "lost (timed)",
        "disconnects",
        "memory",
        "other frames per client",
      ],
      rows,
    ),
  ].join("\n");
}

function idleDetails(results: BenchResults): string {
  const perConnection = (now: number | null, before: number | null, clients: number) =>
    now === null || before === null ? "–" : kib((now - before) / clients);
  const rows = results.idle.map((run) => [
    run.system,
    `${kib(run.before.rss)} RSS, ${kib(run.before.heap)} heap`,
    ...results.plan.idle.checkpoints.map((c) => {
      const at = run.at[c];
      if (!at) return run.error ?? "–";
      const rss = perConnection(at.rss, run.before.rss, c);
      const heap = perConnection(at.heap, run.before.heap, c);
      return `${rss} RSS, ${heap} heap per connection (connected in ${(at.connectMs / 1000).toFixed(1)} s)`;
    }),
  ]);
  return [
    "### Idle connections",
    "",
    "Read after a full garbage collection in the system's process. RSS is what the issue's target counts; the heap (V8 heap in use plus external memory) is what the connections themselves hold, since V8 keeps the heap that a connection storm made it grow.",
    "",
    table(["system", "empty", ...results.plan.idle.checkpoints.map((c) => `C=${c}`)], rows),
  ].join("\n");
}

function bundle(results: BenchResults): string {
  if (results.bundle.length === 0) return "client/dist is missing: run `pnpm build` first.";
  const sum = (ext: string, key: "bytes" | "gzip") =>
    results.bundle.filter((f) => f.file.endsWith(ext)).reduce((total, f) => total + f[key], 0);
  const rows = results.bundle.map((f) => [f.file, kib(f.bytes), kib(f.gzip)]);
  rows.push(["**JS total**", kib(sum(".js", "bytes")), `**${kib(sum(".js", "gzip"))}**`]);
  rows.push(["**CSS total**", kib(sum(".css", "bytes")), `**${kib(sum(".css", "gzip"))}**`]);
  return table(["file", "raw", "gzip -9"], rows);
}

export function markdownReport(results: BenchResults, chart: string): string {
  const { plan } = results;
  const minutes = (results.finishedMs / 60_000).toFixed(1);
  const read = (path: string) => (existsSync(path) ? readFileSync(path, "utf8").trim() : "");
  const serverChanges = read(SERVER_CHANGES);
  return `# Benchmark results

Run ${results.startedAt}, \`${plan.mode}\` mode, ${minutes} min, ${results.machine}.

**Shared machine**: other jobs (other people's test suites) ran on the same two cores during this run, so
absolute numbers move by 10–15 % or more between runs. Only the ratios between systems measured in this one
run, interleaved step by step, are meant to be read.

Method: each system runs pinned to core 0 (\`taskset\`), the load generator alone on core 1. Group fan-out
and private messages at rising offered rates, open loop, every message stamped with its intended send time
(latency has no coordinated omission; a message never delivered counts as infinitely late); ${plan.warmupMs / 1000} s
warm-up discarded, ${plan.measureMs / 1000} s measured, ${plan.repeats} repeat(s) per rate, systems interleaved at every
rate, medians reported. A system stops rising after the first rate whose median p99 exceeds 1 s; its
saturation is the most deliveries per second it achieved in any step. ${plan.samplers} clients time every message they
get, spread evenly through the order in which the clients connected (servers write a broadcast in that order,
so the first clients to connect would see only its best case); the others are held by a native counter (\`bench/native/\`) that counts frames without
decoding them and is woken only every few kilobytes, so the load generator stays cheap; a step where the
load generator's core was over 95 % busy is marked invalid and not counted.${
    plan.storedMessages
      ? ` The SQLite systems start from a store already holding ${plan.storedMessages.toLocaleString("en")} private
messages among 1,000 other users.`
      : ""
  }

## Summary

${summary(results)}

![latency against offered load](${chart})

## Targets

${targetTable(targets(results))}

${read(MISSES)}

## Details

${results.sweeps.map((s) => sweepDetails(s, results)).join("\n\n")}

${results.overload ? stepList(`Overload: ${k(results.overload.rate)} deliveries/s for ${plan.overload.measureMs / 1000} s`, results.overload.steps) : "Overload: not run (no saturation of (c) measured)."}

${stepList(`Churn: ${plan.churn.joinsPerSecond} joins/s (each stays ${plan.churn.stayMs / 1000} s; presence grace ${plan.churn.graceMs / 1000} s) while ${plan.churn.clients} clients chat at ${k(plan.churn.rate)} deliveries/s`, results.churn)}

${results.sustained.length > 0 ? stepList(`Sustained: ${k(plan.sustained.rate)} private messages/s for ${plan.sustained.measureMs / 1000} s, C=${plan.sustained.clients.toLocaleString("en")} (memory from connected to its peak)`, results.sustained) : "### Sustained\n\nNot run."}

### Reconnect storm

${stormSection(results)}

${idleDetails(results)}

## Client bundle (production build)

${bundle(results)}

## Client: a conversation of ${plan.conversation.messages.toLocaleString("en")} messages

${conversationSection(results)}
${serverChanges ? `\n${serverChanges}\n` : ""}`;
}
