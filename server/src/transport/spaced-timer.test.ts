import { afterEach, beforeEach, expect, it, vi } from "vitest";
import { SpacedTimer } from "./spaced-timer.js";

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
});
afterEach(() => {
  vi.useRealTimers();
});

it("runs at once after a quiet spell, and once for the calls made before it runs", () => {
  const run = vi.fn();
  const timer = new SpacedTimer(run, 100, 4);
  timer.schedule();
  timer.schedule();
  expect(run).not.toHaveBeenCalled();
  vi.advanceTimersByTime(0);
  expect(run).toHaveBeenCalledTimes(1);
  vi.advanceTimersByTime(1_000);
  timer.schedule();
  vi.advanceTimersByTime(0);
  expect(run).toHaveBeenCalledTimes(2);
});

it("waits out the spacing since it last ran, whatever the calls meanwhile", () => {
  const run = vi.fn();
  const timer = new SpacedTimer(run, 100, 4);
  timer.schedule();
  vi.advanceTimersByTime(30);
  timer.schedule();
  timer.schedule();
  vi.advanceTimersByTime(69);
  expect(run).toHaveBeenCalledTimes(1);
  vi.advanceTimersByTime(1);
  expect(run).toHaveBeenCalledTimes(2);
});

it("waits longer after a costly run: the factor times its cost", () => {
  const run = vi.fn();
  const timer = new SpacedTimer(run, 100, 4);
  timer.schedule();
  vi.advanceTimersByTime(0);
  timer.lastCost = 50;
  timer.schedule();
  vi.advanceTimersByTime(199);
  expect(run).toHaveBeenCalledTimes(1);
  vi.advanceTimersByTime(1);
  expect(run).toHaveBeenCalledTimes(2);
});

it("runs nothing once stopped", () => {
  const run = vi.fn();
  const timer = new SpacedTimer(run, 100, 4);
  timer.schedule();
  timer.stop();
  vi.advanceTimersByTime(1_000);
  expect(run).not.toHaveBeenCalled();
});
