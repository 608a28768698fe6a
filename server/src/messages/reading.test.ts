import { CLIENT_EVENTS, ErrorCode, LIMITS } from "@chat/shared";
import { describe, expect, it } from "vitest";
import { sent } from "../test-support/chat-client.js";
import { chatPerTest } from "../test-support/chat-per-test.js";

// Rate limits have their own tests (transport/rate-limits.test.ts); here they would refuse the bulk sends.
const { users } = chatPerTest({ limits: { messagesPerSecond: 0 } });

describe("history:get", () => {
  it("pages the group conversation backwards, oldest first within a page", async () => {
    const ann = await users.login("Ann");
    const ids: number[] = [];
    for (let i = 0; i < 12; i++) ids.push(sent(await ann.send(null, `m${i}`)).id);
    const newest = await ann.history(null, { limit: 5 });
    expect(newest.ok && newest.messages.map((m) => m.id)).toEqual(ids.slice(7));
    const older = await ann.history(null, { limit: 5, before: ids[7] });
    expect(older.ok && older.messages.map((m) => m.id)).toEqual(ids.slice(2, 7));
    const oldest = await ann.history(null, { limit: 5, before: ids[2] });
    expect(oldest.ok && oldest.messages.map((m) => m.text)).toEqual(["m0", "m1"]);
    expect(await ann.history(null, { limit: 5, before: ids[0] })).toEqual({ ok: true, messages: [] });
    // null is "not given": the newest page, of the default size.
    const newestByNull = await ann.history(null, { limit: null, before: null });
    expect(newestByNull.ok && newestByNull.messages.map((m) => m.id)).toEqual(ids);
  });

  it("refuses malformed requests with BAD_REQUEST", async () => {
    const ann = await users.login("Ann");
    for (const payload of [
      {},
      { with: 3 },
      { with: null, limit: 10_000 },
      { with: null, before: "9" },
      "x",
    ]) {
      const ack = await ann.socket.timeout(5000).emitWithAck(CLIENT_EVENTS.history, payload as never);
      expect(ack).toMatchObject({ ok: false, error: { code: ErrorCode.BAD_REQUEST } });
    }
  });
});

describe("sync", () => {
  it("returns everything visible after an id in pages of at most 500, with more while there is more", async () => {
    const [ann, bob, cid] = [await users.login("Ann"), await users.login("Bob"), await users.login("Cid")];
    const total = LIMITS.syncPageMax + 120;
    const mine = new Set<number>();
    for (let i = 0; i < total; i += 40) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(40, total - i) }, (_, j) =>
          (i + j) % 3 === 0 ? cid.send("Ann", `p${i + j}`) : bob.send(null, `g${i + j}`),
        ),
      );
      for (const ack of batch) mine.add(sent(ack).id);
    }
    sent(await bob.send("Cid", "not for Ann"));

    const pages: { count: number; more: boolean }[] = [];
    const received: number[] = [];
    let after: number | null = null;
    for (;;) {
      const page = await ann.sync(after);
      if (!page.ok) throw new Error(page.error.message);
      pages.push({ count: page.messages.length, more: page.more });
      received.push(...page.messages.map((m) => m.id));
      if (!page.more) break;
      after = page.messages.at(-1)?.id ?? after;
    }
    expect(pages).toEqual([
      { count: LIMITS.syncPageMax, more: true },
      { count: total - LIMITS.syncPageMax, more: false },
    ]);
    expect(received).toEqual([...mine].sort((a, b) => a - b));
    expect(await ann.sync(received.at(-1) ?? 0)).toEqual({ ok: true, messages: [], more: false });
  });

  it("ends a page early once its text passes the limit in characters, so long messages stay readable", async () => {
    const [ann, bob] = [await users.login("Ann"), await users.login("Bob")];
    const long = "x".repeat(LIMITS.textMaxLength);
    const fit = Math.floor(LIMITS.syncPageMaxChars / long.length);
    const ids = (await Promise.all(Array.from({ length: fit + 10 }, () => ann.send(null, long)))).map(
      (ack) => sent(ack).id,
    );
    const first = await bob.sync(0);
    if (!first.ok) throw new Error(first.error.message);
    expect(first.messages.map((m) => m.id)).toEqual(ids.slice(0, fit));
    expect(first.more).toBe(true);
    const rest = await bob.sync(ids[fit - 1] ?? 0);
    expect(rest.ok && rest.messages.map((m) => m.id)).toEqual(ids.slice(fit));
  });
});
