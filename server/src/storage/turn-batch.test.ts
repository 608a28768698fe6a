import { describe, expect, it } from "vitest";
import { TurnBatch } from "./turn-batch.js";

/** A batch writer whose writes finish only when the test says so, recording every batch it was given. */
function controlledWriter() {
  const batches: number[][] = [];
  const finish: (() => void)[] = [];
  let writing = 0;
  let mostAtOnce = 0;
  const write = (batch: number[]) => {
    batches.push(batch);
    mostAtOnce = Math.max(mostAtOnce, ++writing);
    return new Promise<number[]>((resolve) =>
      finish.push(() => {
        writing--;
        resolve(batch.map((n) => n * 10));
      }),
    );
  };
  const nextWrite = async () => {
    while (finish.length === 0) await new Promise((resolve) => setImmediate(resolve));
    (finish.shift() as () => void)();
  };
  return { write, batches, nextWrite, mostAtOnce: () => mostAtOnce };
}

describe("group commit (TurnBatch)", () => {
  it("writes one batch at a time; what arrives meanwhile leaves, all together, as the next one", async () => {
    const writer = controlledWriter();
    const batch = new TurnBatch(writer.write);
    const first = [1, 2].map((n) => batch.add(n));
    await new Promise((resolve) => setImmediate(resolve));
    const second = [3, 4, 5].map((n) => batch.add(n));
    await new Promise((resolve) => setImmediate(resolve));
    const third = batch.add(6);
    await writer.nextWrite();
    expect(await Promise.all(first)).toEqual([10, 20]);
    await writer.nextWrite();
    expect(await Promise.all([...second, third])).toEqual([30, 40, 50, 60]);
    expect(writer.batches).toEqual([
      [1, 2],
      [3, 4, 5, 6],
    ]);
    expect(writer.mostAtOnce()).toBe(1);
  });

  it("flush waits for the batch being written, then writes what is queued", async () => {
    const writer = controlledWriter();
    const batch = new TurnBatch(writer.write);
    const first = batch.add(1);
    await new Promise((resolve) => setImmediate(resolve));
    const queued = batch.add(2);
    const flushed = batch.flush();
    await writer.nextWrite();
    await writer.nextWrite();
    await flushed;
    expect(await Promise.all([first, queued])).toEqual([10, 20]);
    expect(writer.batches).toEqual([[1], [2]]);
  });

  it("fails every caller of a batch whose write fails, and goes on with the next", async () => {
    let calls = 0;
    const batch = new TurnBatch(async (inputs: number[]) => {
      if (calls++ === 0) throw new Error("disk full");
      return inputs;
    });
    const failed = [batch.add(1), batch.add(2)];
    await expect(Promise.all(failed)).rejects.toThrow("disk full");
    await expect(failed[1]).rejects.toThrow("disk full");
    expect(await batch.add(3)).toBe(3);
  });
});
