import { fileURLToPath } from "node:url";
import {
  CLIENT_EVENTS,
  type ClientToServerEvents,
  SERVER_EVENTS,
  type ServerToClientEvents,
} from "@chat/shared";
import type { Page } from "playwright-core";
import { io, type Socket } from "socket.io-client";
import { LOADGEN_CORE } from "../processes.js";
import { startChatServer } from "../systems.js";
import { launchPinnedChromium } from "./chromium.js";
import {
  elementCount,
  recordArrivals,
  type ScrollRun,
  type ShownAt,
  scrollThrough,
  shown,
  watchForLast,
} from "./page-probes.js";

/**
 * The client with a long conversation: the built client served by this server, one person reading the group
 * chat in Chromium, and another person (a socket.io-client here) writing N messages into it. They arrive live,
 * one `message` event each, as they do in a busy room: the heaviest way a list gets long, since history
 * pages and `sync` hand the client 50 to 500 messages at once. Everything is timed in the page.
 */

export interface ConversationPlan {
  messages: number;
  /** The writer's sends awaiting their ack at any time. */
  inFlight: number;
  /** Pixels scrolled per animation frame, up and back down: a steady drag through the whole list. */
  scrollStepPx: number;
  maxScrollFrames: number;
  /** New messages appended one at a time at the bottom once the list is long. */
  appends: number;
  viewport: { width: number; height: number };
}

export interface FrameStats {
  frames: number;
  p50: number;
  p95: number;
  max: number;
  /** Share (0–1) of frames that took longer than one 60 Hz frame: a vsync was missed (see MISSED_FRAME_MS). */
  late: number;
  /** Share of frames longer than 50 ms. */
  over50: number;
}

export interface ConversationResult {
  messages: number;
  /** Writer side: first send to last ack. */
  sendMs: number;
  /**
   * Page: the first message frame's arrival to the frame that shows the last message at the bottom. Arrivals
   * are stamped as the page dispatches them, so a page that falls behind stamps them late.
   */
  allShownMs: number;
  /** Messages that arrived as live events; the rest came by `sync` after a reconnect. */
  arrivedLive: number;
  /**
   * Connections the page lost while they arrived: a page too busy to answer the server's heartbeat in time is
   * disconnected, and catches up with `sync` when it reconnects.
   */
  reconnects: number;
  arrivalFrames: FrameStats;
  scroll: FrameStats & { distancePx: number; durationMs: number; complete: boolean };
  /** Page: a new message's frame arrival to the frame that shows it at the bottom, one per append. */
  appendMs: number[];
  /** After the scroll and the appends, after a full garbage collection. */
  domElements: number;
  domNodes: number;
  jsHeapBytes: number;
  smooth: boolean;
}

/**
 * The criterion for "smooth": the 95th percentile frame is one 60 Hz frame, and no frame a user sees as a hitch.
 * Frame timestamps come in 0.1 ms steps, so on-time frames read 16.6 to 16.8 ms; a frame that missed a vsync
 * reads 33.3 ms or more. Anything between is the same verdict, so "late" is read halfway, at 25 ms.
 */
export const FRAME_MS = 1000 / 60;
export const MISSED_FRAME_MS = 1.5 * FRAME_MS;
export const LONG_FRAME_MS = 50;

export const CLIENT_DIR = fileURLToPath(new URL("../../../client/dist", import.meta.url));
const LIST = '[data-testid="group-window"] [data-testid="messages"]';
const WORDS = "the a chat message long list scroll smooth frame reader writer room hello again later".split(
  " ",
);

/** Texts of varied length, some over several lines, so rows differ in height as they do in a real room. */
export function messageText(i: number): string {
  const words = 1 + ((i * 7919) % 61);
  const body = Array.from({ length: words }, (_, w) => WORDS[(i + w * 31) % WORDS.length]).join(" ");
  return `m${i} ${i % 9 === 0 ? body.replace(/ (\S+ \S+ \S+)$/, "\n$1") : body}`;
}

export function frameStats(intervals: number[]): FrameStats {
  const sorted = [...intervals].sort((x, y) => x - y);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  const share = (limit: number) =>
    sorted.length ? sorted.filter((v) => v > limit).length / sorted.length : 0;
  return {
    frames: sorted.length,
    p50: at(0.5),
    p95: at(0.95),
    max: sorted.at(-1) ?? 0,
    late: share(MISSED_FRAME_MS),
    over50: share(LONG_FRAME_MS),
  };
}

type Writer = Socket<ServerToClientEvents, ClientToServerEvents>;

async function connectWriter(url: string, name: string): Promise<Writer> {
  const writer: Writer = io(url, { auth: { name }, transports: ["websocket"], reconnection: false });
  await new Promise<void>((resolve, reject) => {
    writer.once(SERVER_EVENTS.session, () => resolve());
    writer.once("connect_error", reject);
  });
  return writer;
}

async function send(writer: Writer, text: string, clientId: string): Promise<void> {
  const res = await writer.timeout(30_000).emitWithAck(CLIENT_EVENTS.send, { to: null, text, clientId });
  if (!res.ok) throw new Error(`send refused: ${res.error.code}`);
}

/** Sends messages [from, to) keeping `inFlight` unacknowledged; resolves when the last is acknowledged. */
async function sendRange(writer: Writer, from: number, to: number, inFlight: number): Promise<void> {
  let next = from;
  const lane = async () => {
    while (next < to) {
      const i = next++;
      await send(writer, messageText(i), `bench-${i}`);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, lane));
}

async function openReader(page: Page, url: string): Promise<void> {
  await page.addInitScript(recordArrivals);
  await page.goto(url);
  await page.getByTestId("login-name").fill("Reader");
  await page.getByTestId("login-join").click();
  await page.getByTestId("my-name").getByText("Reader", { exact: true }).waitFor();
  await page.locator(LIST).waitFor();
}

/** Sends message i and resolves in the page's frame that shows it at the bottom. */
async function sendAndShow(page: Page, writer: Writer, i: number): Promise<ShownAt> {
  await page.evaluate(watchForLast, { list: LIST, text: messageText(i) });
  await send(writer, messageText(i), `bench-${i}`);
  return page.evaluate(shown);
}

async function heapAndNodes(page: Page): Promise<{ jsHeapBytes: number; domNodes: number }> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("HeapProfiler.collectGarbage");
  await cdp.send("Performance.enable");
  const { metrics } = await cdp.send("Performance.getMetrics");
  const metric = (name: string) => metrics.find((m) => m.name === name)?.value ?? 0;
  await cdp.detach();
  return { jsHeapBytes: metric("JSHeapUsedSize"), domNodes: metric("Nodes") };
}

/** `clientDir`: the built client to serve; an earlier build measures a client change within one run. */
export async function longConversation(
  plan: ConversationPlan,
  clientDir: string,
  log: (line: string) => void,
): Promise<ConversationResult> {
  const server = await startChatServer({}, { CLIENT_DIR: clientDir });
  const chromium = await launchPinnedChromium(LOADGEN_CORE);
  let writer: Writer | null = null;
  try {
    const url = `http://127.0.0.1:${server.port}/`;
    const page = await chromium.browser.newPage({ viewport: plan.viewport });
    await openReader(page, url);
    writer = await connectWriter(url, "Writer");

    // The first message also proves the page is listening on its WebSocket (Engine.IO starts on polling).
    await sendAndShow(page, writer, 0);
    await page.evaluate(watchForLast, { list: LIST, text: messageText(plan.messages - 1) });
    const sendStarted = performance.now();
    await sendRange(writer, 1, plan.messages, plan.inFlight);
    const sendMs = performance.now() - sendStarted;
    const arrival: ShownAt = await page.evaluate(shown);
    const { first, count, sockets } = arrival.arrivals;
    log(
      `  ${plan.messages} messages sent in ${Math.round(sendMs)} ms; ${count} arrived live, ${sockets} reconnects`,
    );

    const scroll: ScrollRun = await page.evaluate(scrollThrough, {
      list: LIST,
      stepPx: plan.scrollStepPx,
      maxFrames: plan.maxScrollFrames,
    });

    const appendMs: number[] = [];
    for (let n = 0; n < plan.appends; n++) {
      const { shownAt, arrivals } = await sendAndShow(page, writer, plan.messages + n);
      appendMs.push(shownAt - (arrivals.last ?? shownAt));
    }

    const scrollStats = frameStats(scroll.frames);
    const result: ConversationResult = {
      messages: plan.messages,
      sendMs,
      allShownMs: arrival.shownAt - (first ?? arrival.shownAt),
      arrivedLive: count,
      reconnects: sockets,
      arrivalFrames: frameStats(arrival.frames),
      scroll: {
        ...scrollStats,
        distancePx: scroll.distancePx,
        durationMs: scroll.durationMs,
        complete: scroll.reachedTop && scroll.reachedBottom,
      },
      appendMs,
      domElements: await page.evaluate(elementCount),
      ...(await heapAndNodes(page)),
      smooth: scrollStats.p95 < MISSED_FRAME_MS && scrollStats.max <= LONG_FRAME_MS,
    };
    log(
      `  shown after ${Math.round(result.allShownMs)} ms; scroll p50 ${scrollStats.p50.toFixed(1)} / p95 ${scrollStats.p95.toFixed(1)} / max ${scrollStats.max.toFixed(1)} ms over ${scrollStats.frames} frames; append ${appendMs.map((v) => v.toFixed(1)).join(", ")} ms; ${result.domElements} elements`,
    );
    return result;
  } finally {
    writer?.disconnect();
    await chromium.close();
    await server.stop();
  }
}
