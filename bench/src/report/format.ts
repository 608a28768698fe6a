import type { Millis } from "../step.js";

/** Number formats of the report. */

export const k = (n: number | null) =>
  n === null ? "–" : n >= 10_000 ? `${Math.round(n / 1000)}k` : `${Math.round(n)}`;
export const ms = (v: Millis) => (v === null ? "∞" : v < 10 ? v.toFixed(1) : `${Math.round(v)}`);
export const kib = (bytes: number | null) => (bytes === null ? "–" : `${(bytes / 1024).toFixed(1)} KiB`);
export const pct = (n: number | null) => (n === null ? "–" : `${Math.round(n)}%`);
export const table = (header: string[], rows: string[][]) =>
  [
    `| ${header.join(" | ")} |`,
    `|${header.map(() => "---").join("|")}|`,
    ...rows.map((r) => `| ${r.join(" | ")} |`),
  ].join("\n");
