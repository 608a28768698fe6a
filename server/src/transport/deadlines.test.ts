import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ChatUser, Refused } from "../test-support/chat-client.js";
import { type RunningChat, startChat } from "../test-support/chat-server.js";
import { DeadlinePassed, Deadlines } from "./deadlines.js";

describe("Deadlines", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("fails work the store never answers between one and one and a half deadlines, and reports it once", async () => {
    const expired: number[] = [];
    const deadlines = new Deadlines(1_000, (count) => expired.push(count));
    const outcomes: unknown[] = [];
    const stalled = () =>
      deadlines.within(new Promise(() => {})).catch((error: unknown) => outcomes.push(error));
    void stalled();
    void stalled();
    await vi.advanceTimersByTimeAsync(999);
    expect(outcomes).toEqual([]);
    await vi.advanceTimersByTimeAsync(501);
    expect(outcomes).toHaveLength(2);
    expect(outcomes[0]).toBeInstanceOf(DeadlinePassed);
    expect(expired).toEqual([2]);
    deadlines.stop();
  });

  it("passes on what the work gives in time, result or error, and expires nothing later", async () => {
    const expired: number[] = [];
    const deadlines = new Deadlines(1_000, (count) => expired.push(count));
    await expect(deadlines.within(Promise.resolve("stored"))).resolves.toBe("stored");
    await expect(deadlines.within(Promise.reject(new Error("refused")))).rejects.toThrow("refused");
    await vi.advanceTimersByTimeAsync(5_000);
    expect(expired).toEqual([]);
    deadlines.stop();
  });
});

describe("a chat whose store holds requests past the deadline", () => {
  let chat: RunningChat;
  const users: ChatUser[] = [];
  afterEach(async () => {
    for (const user of users.splice(0)) user.close();
    await chat?.close();
  });

  it("answers at the deadline, and what completes later is neither doubled nor left holding a name", async () => {
    chat = await startChat({ requestDeadlineMs: 300 });
    const ann = await ChatUser.login(chat.url, "Ann");
    users.push(ann);
    // An operator's sqlite3 shell, say, holding a write lock for a while (shorter than the busy timeout).
    const shell = new Database(join(chat.dataDir, "chat.db"));
    shell.exec("BEGIN EXCLUSIVE");
    let sent: Awaited<ReturnType<ChatUser["send"]>>;
    let login: unknown;
    try {
      [sent, login] = await Promise.all([
        ann.send(null, "while locked", "locked-1"),
        ChatUser.login(chat.url, "Gus").catch((err: unknown) => err),
      ]);
    } finally {
      shell.exec("ROLLBACK");
      shell.close();
    }
    expect(sent).toMatchObject({ ok: false, error: { code: "INTERNAL", retryAfterMs: expect.any(Number) } });
    expect(login).toBeInstanceOf(Refused);
    expect((login as Refused).data).toMatchObject({ code: "INTERNAL", retryAfterMs: expect.any(Number) });

    // Both carried on once the lock was gone. The refused login is taken back, so its retry gets the
    // name (otherwise held unused for the whole grace window), and the resent message is stored once.
    const gusLogsIn = () =>
      ChatUser.login(chat.url, "Gus").then(
        (gus) => users.push(gus) > 0,
        () => false,
      );
    await expect.poll(gusLogsIn).toBe(true);
    expect(await ann.send(null, "while locked", "locked-1")).toMatchObject({ ok: true });
    const history = await ann.history(null);
    expect(history.ok && history.messages.map((m) => m.text)).toEqual(["while locked"]);
  });
});
