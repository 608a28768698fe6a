/**
 * What the bench runs inside the page. Playwright serialises each function on its own, so each must be
 * self-contained: no imports, no helpers from this module.
 */

/** Page-clock timestamps (performance.now()) of the chat-message frames the page's WebSocket received. */
export interface ArrivalLog {
  first: number | null;
  last: number | null;
  count: number;
  /** WebSockets the page opened: any opened while watching means the connection dropped and came back. */
  sockets: number;
}

declare global {
  interface Window {
    chatBenchArrivals?: ArrivalLog;
    chatBenchShown?: Promise<ShownAt>;
  }
}

/**
 * An init script: every WebSocket the page opens also reports when a `message` event frame arrives. The
 * listener is added in the constructor, before Engine.IO sets `onmessage`, so it runs first and stamps the
 * frame before the client spends any time on it.
 */
export function recordArrivals(): void {
  const log: ArrivalLog = { first: null, last: null, count: 0, sockets: 0 };
  window.chatBenchArrivals = log;
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols);
      log.sockets++;
      this.addEventListener("message", (event: MessageEvent) => {
        if (typeof event.data !== "string" || !event.data.startsWith('42["message"')) return;
        const now = performance.now();
        log.first ??= now;
        log.last = now;
        log.count++;
      });
    }
  };
}

export interface ShownAt {
  /** performance.now() right after the first frame rendered with the text as the list's last message. */
  shownAt: number;
  /** Intervals between animation frames while waiting (ms). */
  frames: number[];
  /** The message frames that arrived since the watch started. */
  arrivals: ArrivalLog;
}

/**
 * Starts watching for the first frame that shows, as the list's last message row, one carrying `text` with its
 * bottom inside the list's viewport. Each animation frame posts a task, which runs once the frame is rendered:
 * that task checks, so every requestAnimationFrame callback of the page (scrolling to the bottom among them) has
 * run. Rows are the list's direct children. Returns at once; `shown` waits for that frame. The arrival log
 * restarts: it then holds the frames that arrived while watching.
 */
export function watchForLast(args: { list: string; text: string }): void {
  const arrivals = window.chatBenchArrivals;
  if (arrivals) Object.assign(arrivals, { first: null, last: null, count: 0, sockets: 0 });
  window.chatBenchShown = new Promise((resolve) => {
    const frames: number[] = [];
    let previous: number | null = null;
    let done = false;
    const check = () => {
      const list = document.querySelector(args.list);
      let row = list?.lastElementChild ?? null;
      while (row && !row.matches('[data-testid="message"]')) row = row.previousElementSibling;
      const shown =
        list &&
        row?.querySelector(".text")?.textContent === args.text &&
        row.getBoundingClientRect().bottom <= list.getBoundingClientRect().bottom + 1;
      if (!shown || done) return;
      done = true;
      resolve({
        shownAt: performance.now(),
        frames,
        arrivals: { first: null, last: null, count: 0, sockets: 0, ...arrivals },
      });
    };
    const tick = (stamp: number) => {
      if (done) return;
      if (previous !== null) frames.push(stamp - previous);
      previous = stamp;
      setTimeout(check, 0);
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
}

export function shown(): Promise<ShownAt> {
  const watching = window.chatBenchShown;
  if (!watching) throw new Error("watchForLast was not started");
  return watching;
}

export interface ScrollRun {
  /** Intervals between animation frames, up and back down (ms). */
  frames: number[];
  distancePx: number;
  durationMs: number;
  reachedTop: boolean;
  reachedBottom: boolean;
}

/**
 * Scrolls the list from where it is (the bottom) to the top and back to the bottom, `stepPx` per animation
 * frame, as a steady drag would, and records every frame interval on the way.
 */
export function scrollThrough(args: { list: string; stepPx: number; maxFrames: number }): Promise<ScrollRun> {
  return new Promise((resolve, reject) => {
    const list = document.querySelector(args.list);
    if (!list) return reject(new Error(`no ${args.list}`));
    const run: ScrollRun = {
      frames: [],
      distancePx: 0,
      durationMs: 0,
      reachedTop: false,
      reachedBottom: false,
    };
    let previous: number | null = null;
    let started = 0;
    const tick = (stamp: number) => {
      if (previous === null) started = stamp;
      else run.frames.push(stamp - previous);
      previous = stamp;
      // The frame after the last step counts too: it shows what the last step revealed.
      if (run.reachedBottom || run.frames.length >= args.maxFrames) {
        run.durationMs = stamp - started;
        return resolve(run);
      }
      const before = list.scrollTop;
      if (!run.reachedTop) {
        list.scrollTop = Math.max(0, before - args.stepPx);
        run.reachedTop = list.scrollTop === 0;
      } else {
        list.scrollTop = before + args.stepPx;
        run.reachedBottom = list.scrollTop + list.clientHeight >= list.scrollHeight - 1;
      }
      run.distancePx += Math.abs(list.scrollTop - before);
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
}

/** Elements in the document. */
export function elementCount(): number {
  return document.getElementsByTagName("*").length;
}
