import { FRAME_MS, type FrameStats, LONG_FRAME_MS, MISSED_FRAME_MS } from "../client/long-conversation.js";
import type { BenchResults } from "../results.js";
import { kib, table } from "./format.js";

/** The report's section on the client with a 10,000-message conversation. */

const fixed = (v: number) => v.toFixed(1);
const share = (v: number) => `${(v * 100).toFixed(1)} %`;
const frames = (f: FrameStats) =>
  `p50 ${fixed(f.p50)} / p95 ${fixed(f.p95)} / max ${fixed(f.max)} ms; late (a vsync missed, > ${fixed(MISSED_FRAME_MS)} ms): ${share(f.late)}, over ${LONG_FRAME_MS} ms: ${share(f.over50)} (${f.frames} frames)`;

export function conversationSection(results: BenchResults): string {
  const run = results.conversation;
  if (!run) return "Not run (`--scenarios` left it out).";
  if (run.unavailable) return `Not available: ${run.unavailable}.`;
  const r = run.result;
  if (!r) return `Failed: ${run.error ?? "unknown error"}.`;
  const plan = results.plan.conversation;
  const appends = [...r.appendMs].sort((x, y) => x - y);
  const rows = [
    [
      `scrolling bottom → top → bottom, ${plan.scrollStepPx} px per frame`,
      `${frames(r.scroll)}; ${Math.round(r.scroll.distancePx / 1000)}k px in ${(r.scroll.durationMs / 1000).toFixed(1)} s${r.scroll.complete ? "" : " (**stopped before the end**)"}`,
      `p95 one frame (${fixed(FRAME_MS)} ms, read as < ${fixed(MISSED_FRAME_MS)} ms: timestamps jitter by 0.1 ms), none over ${LONG_FRAME_MS} ms`,
      r.smooth ? "**pass**" : "**miss**",
    ],
    [
      `all ${r.messages.toLocaleString("en")} shown (arriving live)`,
      `${Math.round(r.allShownMs)} ms from the first message's arrival (the writer needed ${Math.round(r.sendMs)} ms to send them all); ${r.arrivedLive.toLocaleString("en")} arrived live, ${r.reconnects ? `**${r.reconnects} reconnect(s)**: the page missed the server's heartbeat and caught up with \`sync\`` : "no reconnect"}; frames meanwhile: ${frames(r.arrivalFrames)}`,
      "–",
      "",
    ],
    [
      `append one message at the bottom (${appends.length}×)`,
      `median ${fixed(appends[appends.length >> 1] ?? 0)} ms, max ${fixed(appends.at(-1) ?? 0)} ms`,
      "–",
      "",
    ],
    [
      "page after the scroll",
      `${r.domElements.toLocaleString("en")} elements (${r.domNodes.toLocaleString("en")} DOM nodes), JS heap ${kib(r.jsHeapBytes)} after a GC`,
      "–",
      "",
    ],
  ];
  return [
    `The built client served by this server (SQLite, limits off), Chromium (Debian's, headless, ${plan.viewport.width}×${plan.viewport.height}, pinned to core 1) logged in with the group chat open, and another user (a socket.io-client in the bench process, ${plan.inFlight} sends in flight) writing ${r.messages.toLocaleString("en")} messages of 1–60 words into it: they arrive live, one event each, the heaviest way a list gets long. Timed in the page: arrivals on the page's WebSocket, a message on screen once the frame showing it has rendered (a task posted from each animation frame), and frame intervals from \`requestAnimationFrame\` timestamps. Times are the page's, on a shared machine.`,
    "",
    table(["measure", "measured", "smooth means", "result"], rows),
  ].join("\n");
}
