import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ExpiringBlocks } from "./limiters.js";

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 });
});

afterEach(() => {
  vi.useRealTimers();
});

const blockAll = (blocks: ExpiringBlocks, prefix: string, count: number, ms: number) => {
  for (let i = 0; i < count; i++) blocks.addMs(`${prefix}${i}`, ms);
};

describe("the keys a Redis limiter refuses in memory", () => {
  it("refuses a key until its window ends, then forgets it", () => {
    const blocks = new ExpiringBlocks();
    blocks.addMs("ann", 1_500);
    blocks.add("bob", 2);
    vi.advanceTimersByTime(500);
    expect(blocks.msBeforeExpire("ann")).toBe(1_000);
    expect(blocks.msBeforeExpire("bob")).toBe(1_500);
    expect(blocks.msBeforeExpire("cid")).toBe(0);

    vi.advanceTimersByTime(1_001);
    expect(blocks.msBeforeExpire("ann")).toBe(0);
    expect(blocks.size).toBe(1);
    blocks.delete("bob");
    expect(blocks.msBeforeExpire("bob")).toBe(0);
  });

  it("lets go of a flood's expired keys as new ones come, keeping every live one", () => {
    const blocks = new ExpiringBlocks();
    // A flood from 10,000 identities whose one-second windows have all ended...
    blocks.addMs("first", 60_000);
    blockAll(blocks, "flood", 10_000, 1_000);
    vi.advanceTimersByTime(1_001);
    // ...then another from 7,000.
    blockAll(blocks, "next", 7_000, 1_000);

    expect(blocks.size).toBeLessThanOrEqual(7_001);
    expect(blocks.msBeforeExpire("first")).toBe(58_999);
    expect(blocks.msBeforeExpire("next6999")).toBe(1_000);
    expect(blocks.msBeforeExpire("flood0")).toBe(0);
  });

  it("starts empty again when told to forget every key", () => {
    const blocks = new ExpiringBlocks();
    blockAll(blocks, "key", 3, 1_000);
    blocks.delete();
    expect(blocks.size).toBe(0);
    expect(blocks.msBeforeExpire("key0")).toBe(0);
  });
});
