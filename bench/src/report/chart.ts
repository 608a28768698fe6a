import { type BenchResults, LATENCY_LIMIT_MS, ratePoints } from "../results.js";
import type { SystemId } from "../systems.js";

/**
 * Latency against offered load, one panel per sweep, one line per system: p99 solid, p50 dotted, on a
 * log scale from 1 ms to 10 s. Points whose latency was infinite (messages lost) sit on the top edge.
 */

const COLORS: Record<SystemId, string> = {
  a: "#1b7837",
  b: "#2166ac",
  c: "#b2182b",
  d: "#e08214",
  c0: "#888888",
  d0: "#bbbbbb",
};
const PANEL = { width: 460, height: 300, left: 64, right: 16, top: 36, bottom: 46 };
const Y_MIN_MS = 1;
const Y_MAX_MS = 10_000;

const escapeXml = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;");

export function latencyChart(results: BenchResults): string {
  const panels = results.sweeps.map((sweep, index) => {
    const systems = results.systems.filter((s) => !s.unavailable).map((s) => s.id);
    const series = systems.map((id) => ({
      id,
      points: ratePoints(sweep.steps, id).filter((p) => p.valid > 0),
    }));
    const maxRate = Math.max(1, ...series.flatMap((s) => s.points.map((p) => p.rate)));
    return panel(index * PANEL.width, sweep.plan.name, sweep.plan.pattern, maxRate, series);
  });
  const width = Math.max(1, panels.length) * PANEL.width;
  const legend = results.systems
    .filter((s) => !s.unavailable)
    .map(
      (s, i) =>
        `<g transform="translate(${16 + i * 190},${PANEL.height + 18})"><line x2="24" y1="-4" y2="-4" stroke="${COLORS[s.id]}" stroke-width="2.5"/>` +
        `<text x="30" font-size="12">${escapeXml(s.label)}</text></g>`,
    )
    .join("");
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${PANEL.height + 50}" font-family="sans-serif">` +
    `<rect width="100%" height="100%" fill="white"/>${panels.join("")}${legend}` +
    `<text x="${width - 8}" y="${PANEL.height + 40}" font-size="10" text-anchor="end" fill="#666">` +
    `p99 solid, p50 dotted; top edge: messages lost (infinite latency)</text></svg>\n`
  );
}

type Series = { id: SystemId; points: ReturnType<typeof ratePoints> };

function panel(x0: number, title: string, pattern: string, maxRate: number, series: Series[]): string {
  const plotW = PANEL.width - PANEL.left - PANEL.right;
  const plotH = PANEL.height - PANEL.top - PANEL.bottom;
  const x = (rate: number) => x0 + PANEL.left + (rate / maxRate) * plotW;
  const y = (ms: number | null) => {
    const clamped = Math.min(Y_MAX_MS, Math.max(Y_MIN_MS, ms ?? Y_MAX_MS));
    return PANEL.top + plotH * (1 - Math.log10(clamped / Y_MIN_MS) / Math.log10(Y_MAX_MS / Y_MIN_MS));
  };
  const parts: string[] = [];
  for (const ms of [1, 10, 100, 1000, 10_000]) {
    const dash = ms === LATENCY_LIMIT_MS ? ' stroke-dasharray="4 3"' : "";
    parts.push(
      `<line x1="${x(0)}" x2="${x(maxRate)}" y1="${y(ms)}" y2="${y(ms)}" stroke="#ddd"${dash}/>`,
      `<text x="${x(0) - 6}" y="${y(ms) + 4}" font-size="11" text-anchor="end">${ms >= 1000 ? `${ms / 1000} s` : `${ms} ms`}</text>`,
    );
  }
  for (let i = 0; i <= 4; i++) {
    const rate = (maxRate * i) / 4;
    parts.push(
      `<text x="${x(rate)}" y="${PANEL.top + plotH + 16}" font-size="11" text-anchor="middle">${Math.round(rate / 1000)}k</text>`,
    );
  }
  const unit = pattern === "group" ? "deliveries/s" : "messages/s";
  parts.push(
    `<text x="${x0 + PANEL.width / 2}" y="20" font-size="13" font-weight="bold" text-anchor="middle">${escapeXml(title)}</text>`,
    `<text x="${x(maxRate / 2)}" y="${PANEL.top + plotH + 34}" font-size="11" text-anchor="middle">offered ${unit}</text>`,
    `<rect x="${x(0)}" y="${PANEL.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#999"/>`,
  );
  for (const { id, points } of series) {
    const line = (pick: (p: Series["points"][number]) => number | null, dash: string) =>
      `<polyline fill="none" stroke="${COLORS[id]}" stroke-width="2"${dash} points="${points
        .map((p) => `${x(p.rate).toFixed(1)},${y(pick(p)).toFixed(1)}`)
        .join(" ")}"/>`;
    parts.push(
      line((p) => p.p99, ""),
      line((p) => p.p50, ' stroke-dasharray="2 3"'),
    );
    for (const p of points)
      parts.push(
        `<circle cx="${x(p.rate).toFixed(1)}" cy="${y(p.p99).toFixed(1)}" r="3" fill="${COLORS[id]}"/>`,
      );
  }
  return `<g>${parts.join("")}</g>`;
}
