import { ErrorCode } from "@chat/shared";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { LoadShedding, MIN_IN_FLIGHT, SHEDDING_INTERVAL_MS, SHEDDING_WINDOW } from "./load-shedding.js";

const TARGET_MS = 50;

function shedder(targetMs = TARGET_MS) {
  const told: [boolean, number][] = [];
  const limited: string[] = [];
  const shedding = new LoadShedding(
    targetMs,
    (limit) => limited.push(limit),
    (refusing, limit) => told.push([refusing, limit]),
  );
  return { shedding, told, limited };
}

/** Offers `count` requests; returns how many were taken. */
function offer(shedding: LoadShedding, count: number): number {
  let taken = 0;
  for (let i = 0; i < count; i++) if (shedding.admit() === null) taken++;
  return taken;
}

function finish(shedding: LoadShedding, count: number, counted = true): void {
  for (let i = 0; i < count; i++) shedding.finished(counted);
}

/** Takes and finishes `count` requests, 200 at a time, as a process keeping up does. */
function serve(shedding: LoadShedding, count: number): void {
  for (let served = 0; served < count; served += 200) {
    expect(offer(shedding, 200)).toBe(200);
    finish(shedding, 200);
  }
}

const nextInterval = () => vi.advanceTimersByTime(SHEDDING_INTERVAL_MS);

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["performance"] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe("load shedding", () => {
  it("takes MIN_IN_FLIGHT requests at once however idle it was, and one more as each finishes", () => {
    const { shedding, limited } = shedder();
    expect(offer(shedding, MIN_IN_FLIGHT + 50)).toBe(MIN_IN_FLIGHT);
    finish(shedding, 10);
    expect(offer(shedding, 50)).toBe(10);
    expect(limited).toEqual(Array(90).fill("busy"));
  });

  it("refuses with RATE_LIMITED and a wait between one and two seconds", () => {
    const { shedding } = shedder();
    offer(shedding, MIN_IN_FLIGHT);
    const refusals = Array.from({ length: 50 }, () => shedding.admit());
    for (const refusal of refusals) {
      expect(refusal).toMatchObject({ code: ErrorCode.RATE_LIMITED, message: expect.stringMatching(/busy/) });
      expect(refusal?.retryAfterMs).toBeGreaterThanOrEqual(1000);
      expect(refusal?.retryAfterMs).toBeLessThan(2000);
    }
    // Spread out, not all the same wait.
    expect(new Set(refusals.map((refusal) => refusal?.retryAfterMs)).size).toBeGreaterThan(1);
  });

  it("takes as many at once as it finishes within the target, at its rate over the last second", () => {
    const { shedding } = shedder();
    // 2,000 finished in one interval of 100 ms: 20 a ms, so 1,000 within the 50 ms target.
    serve(shedding, 2000);
    nextInterval();
    expect(offer(shedding, 1500)).toBe(1000);
  });

  it("keeps most of its limit through one interval in which nothing finished, as when a commit is slow", () => {
    const { shedding } = shedder();
    for (let interval = 0; interval < SHEDDING_WINDOW; interval++) {
      serve(shedding, 2000);
      nextInterval();
    }
    expect(offer(shedding, 800)).toBe(800);
    nextInterval();
    // Nothing finished in the last of ten intervals: 18,000 in a second, so 900 within the target.
    expect(offer(shedding, 1000)).toBe(100);
    finish(shedding, 800);
    expect(offer(shedding, 1000)).toBe(800);
  });

  it("falls back to MIN_IN_FLIGHT once nothing finished for a second, as when its store stalls", () => {
    const { shedding } = shedder();
    serve(shedding, 2000);
    nextInterval();
    expect(offer(shedding, 800)).toBe(800);
    for (let interval = 0; interval < SHEDDING_WINDOW; interval++) {
      nextInterval();
      // The 800 taken are all still in flight.
      expect(offer(shedding, 1)).toBe(0);
    }
    finish(shedding, 601);
    expect(offer(shedding, 10)).toBe(1);
  });

  it("counts a quiet spell as one interval, so a burst after it is not held to MIN_IN_FLIGHT", () => {
    const { shedding } = shedder();
    serve(shedding, 2000);
    nextInterval();
    offer(shedding, 1);
    finish(shedding, 1);
    vi.advanceTimersByTime(60_000);
    // 2,001 finished in what counts as two intervals: 10 a ms, so 500 within the target.
    expect(offer(shedding, 1000)).toBe(500);
  });

  it("does not count requests refused by a rate limit, which finish quickly whatever the load", async () => {
    const { shedding } = shedder();
    const limited = { code: ErrorCode.RATE_LIMITED, message: "Too many messages." };
    const failed = { code: ErrorCode.TEXT_INVALID, message: "Blank." };
    for (let round = 0; round < 10; round++) {
      offer(shedding, 200);
      for (let i = 0; i < 200; i++) shedding.follow(Promise.resolve(limited), (refusal) => refusal);
      await Promise.resolve(); // the round's work settles
    }
    nextInterval();
    expect(offer(shedding, 1000)).toBe(MIN_IN_FLIGHT);

    // Other refusals did work (validation, a store lookup), and count.
    finish(shedding, MIN_IN_FLIGHT, false);
    for (let round = 0; round < 10; round++) {
      offer(shedding, 200);
      for (let i = 0; i < 200; i++) shedding.follow(Promise.resolve(failed), (refusal) => refusal);
      await Promise.resolve();
    }
    nextInterval();
    // 2,000 in two intervals: 10 a ms, so 500 within the target.
    expect(offer(shedding, 1500)).toBe(500);
  });

  it("says when it starts refusing, and after an interval without refusals that it stopped", () => {
    const { shedding, told } = shedder();
    offer(shedding, MIN_IN_FLIGHT + 30);
    offer(shedding, 20);
    expect(told).toEqual([[true, MIN_IN_FLIGHT]]);
    nextInterval();
    finish(shedding, MIN_IN_FLIGHT);
    offer(shedding, 1);
    expect(told).toEqual([[true, MIN_IN_FLIGHT]]);
    nextInterval();
    offer(shedding, 1);
    expect(told).toEqual([
      [true, MIN_IN_FLIGHT],
      [false, MIN_IN_FLIGHT],
    ]);
  });

  it("never refuses with a target of 0", () => {
    const { shedding, told } = shedder(0);
    expect(offer(shedding, 10 * MIN_IN_FLIGHT)).toBe(10 * MIN_IN_FLIGHT);
    nextInterval();
    expect(offer(shedding, 1)).toBe(1);
    expect(told).toEqual([]);
  });
});
