import { ErrorCode } from "@chat/shared";
import { afterEach, describe, expect, it, vi } from "vitest";
import { openSqliteStorage } from "../storage/sqlite/index.js";
import { capturedLog } from "../test-support/captured-log.js";
import { type RunningChat, startChat, tempDataDir } from "../test-support/chat-server.js";
import { parsePrometheusText, sampleValue } from "../test-support/prometheus-text.js";
import { TestUsers } from "../test-support/test-users.js";
import { ThrottledWarning } from "./throttled-warning.js";

let chat: RunningChat;
const users = new TestUsers(() => chat.url);

afterEach(async () => {
  users.closeAll();
  await chat?.close();
  vi.useRealTimers();
});

const diskFull = () => Object.assign(new Error("database or disk is full"), { code: "SQLITE_FULL" });

describe("a store failing requests for now (a full disk)", () => {
  it("is warned of at the default level, once for a burst, and counted", async () => {
    const storage = await openSqliteStorage(tempDataDir());
    vi.spyOn(storage.messages, "append").mockRejectedValue(diskFull());
    const { lines, log } = capturedLog("info");
    chat = await startChat({ storage, logger: log });
    const ann = await users.login("Ann");

    for (let i = 0; i < 20; i++) {
      expect(await ann.send(null, `lost ${i}`)).toMatchObject({
        ok: false,
        error: { code: ErrorCode.INTERNAL },
      });
    }

    const warnings = lines.filter((line) => line.level === 40);
    expect(warnings).toEqual([
      expect.objectContaining({ kind: "unavailable", err: expect.objectContaining({ code: "SQLITE_FULL" }) }),
    ]);
    const metrics = parsePrometheusText(await (await fetch(`${chat.url}/metrics`)).text());
    expect(sampleValue(metrics, "chat_store_failures_total", { kind: "unavailable" })).toBe(20);
  });
});

describe("a throttled warning", () => {
  it("says at most once per interval, then how many it held back", () => {
    vi.useFakeTimers();
    const { lines, log } = capturedLog("info");
    const warning = new ThrottledWarning(log, "trouble", 1000);
    for (let i = 1; i <= 50; i++) warning.warn({ attempt: i });
    expect(lines).toEqual([expect.objectContaining({ level: 40, msg: "trouble", attempt: 1 })]);

    vi.advanceTimersByTime(1000);
    expect(lines.slice(1)).toEqual([expect.objectContaining({ attempt: 50, suppressed: 49 })]);
    // A quiet window ends the storm: the next warning goes out at once, with nothing held back.
    vi.advanceTimersByTime(1000);
    warning.warn({ attempt: 51 });
    expect(lines).toHaveLength(3);
    expect(lines[2]).not.toHaveProperty("suppressed");
  });
});
