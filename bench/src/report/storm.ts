import { SYNC_OVERLAP } from "@chat/shared";
import { HISTORY_SENDERS, stormMedians } from "../reconnect-storm.js";
import type { BenchResults } from "../results.js";
import type { SystemId } from "../systems.js";
import { kib, table } from "./format.js";

/** The report's section on the reconnect storm. */

const seconds = (ms: number | null) => (ms === null ? "–" : `${(ms / 1000).toFixed(2)} s`);

/** The ways a system was stormed: recovering connections first, where it offers that. */
function stormWays(results: BenchResults, system: SystemId): boolean[] {
  const recovers = results.storm.some((s) => s.system === system && s.recover);
  return recovers ? [true, false] : [false];
}

/** The summary's cell: how long until every client was back, at each size, each way it was stormed. */
export function stormCell(results: BenchResults, system: SystemId): string {
  if (results.storm.length === 0) return "–";
  const atEachSize = (recover: boolean) =>
    results.plan.storm.clients
      .map((clients) => seconds(stormMedians(results.storm, system, clients, recover).maxMs))
      .join(" / ");
  const ways = stormWays(results, system);
  return ways.length === 1
    ? atEachSize(false)
    : `${atEachSize(true)} recovered; ${atEachSize(false)} by sync`;
}

export function stormSection(results: BenchResults): string {
  if (results.storm.length === 0) return "Not run (`--scenarios` left it out).";
  const { clients: sizes, history } = results.plan.storm;
  const systems = results.systems.filter((s) => !s.unavailable);
  const rows = sizes.flatMap((clients) =>
    systems.flatMap((system) =>
      stormWays(results, system.id).map((recover) => {
        const m = stormMedians(results.storm, system.id, clients, recover);
        const failed = m.runs - m.completed;
        return [
          `${system.id}${recover ? ", recovering" : ""}, C=${clients.toLocaleString("en")}`,
          `**${seconds(m.maxMs)}**${failed ? ` (${failed} of ${m.runs} failed)` : ""}`,
          `${seconds(m.p50Ms)} / ${seconds(m.p99Ms)}`,
          recover && m.recovered !== null ? `${m.recovered}` : "–",
          m.refusals === null ? "–" : `${m.refusals}`,
          kib(m.bytesPerClient),
          m.serverCpuSeconds === null ? "–" : `${m.serverCpuSeconds.toFixed(2)} s`,
          m.peakOverConnected === null ? "–" : `×${m.peakOverConnected.toFixed(2)}`,
        ];
      }),
    ),
  );
  return [
    `Every client but the ${results.plan.samplers + HISTORY_SENDERS} the load generator runs itself is cut at once, then reconnects as fast as it can (100 connecting at a time, from one core; a refused login tries again after 0.5–1.5 s). With this server each one resumes with its token and, as the web client does, the version of the online list it holds (so it is sent what changed, not the whole list), once the store holds ${history} group messages and each client has received a few more. Stormed "recovering" (SQLite on one process, on a fresh server of its own), each client also asks for its connection back, as socket.io-client does, with the pid and the offset of the last message it received: a recovered client is back once greeted, having missed nothing. Otherwise, and for any client not recovered, it sends \`sync\` from ${SYNC_OVERLAP} messages before the newest it saw: the path of every reconnect with Redis, and with SQLite of every one past the recovery window. It is back when the sync is answered; on the baselines, when logged in again. Medians of ${results.plan.repeats} repeat(s).`,
    "",
    table(
      [
        "system",
        "all back",
        "each back, p50 / p99",
        "recovered",
        "logins refused",
        "received per client",
        "server CPU",
        "peak RSS / connected",
      ],
      rows,
    ),
  ].join("\n");
}
