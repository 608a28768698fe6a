import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { latencyChart } from "./report/chart.js";
import { markdownReport } from "./report/markdown.js";
import type { BenchResults } from "./results.js";

/**
 * `node bench/dist/report.js [name]`: renders bench/results/<name>.{md,svg} (default: latest) again from
 * its stored <name>.json, after the hand-written notes changed; nothing is measured.
 */
const RESULTS = fileURLToPath(new URL("../results/", import.meta.url));
const name = process.argv[2] ?? "latest";
const stored = JSON.parse(readFileSync(`${RESULTS}${name}.json`, "utf8")) as BenchResults;
// Runs from before the reconnect storm scenario have no storm, and those from before recovering storms
// stormed without recovery only.
const storm = (stored.storm ?? []).map((step) => ({ ...step, recover: step.recover ?? false }));
// Runs from before the sustained scenario have none.
const results: BenchResults = { ...stored, storm, sustained: stored.sustained ?? [] };
writeFileSync(`${RESULTS}${name}.svg`, latencyChart(results));
writeFileSync(`${RESULTS}${name}.md`, markdownReport(results, `${name}.svg`));
console.log(`rendered bench/results/${name}.md`);
