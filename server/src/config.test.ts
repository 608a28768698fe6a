import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LIMITS } from "@chat/shared";
import { describe, expect, it } from "vitest";
import { readConfig, servedClientDir, writableDataDir } from "./config.js";
import { DEFAULT_LIMITS, LIMIT_VARIABLES } from "./limits/settings.js";
import { capturedLog } from "./test-support/captured-log.js";

describe("configuration from the environment", () => {
  it("defaults every limit", () => {
    const config = readConfig({});
    expect(config.limits).toEqual(DEFAULT_LIMITS);
    expect(config.ALLOWED_ORIGINS).toEqual([]);
  });

  it("documents every limit's variable in the README's table, with its default", () => {
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    for (const [key, { env }] of Object.entries(LIMIT_VARIABLES)) {
      const row = readme.split("\n").find((line) => line.startsWith(`| \`${env}\``));
      expect(row, env).toContain(`\`${DEFAULT_LIMITS[key as keyof typeof DEFAULT_LIMITS]}\``);
    }
  });

  it("reads limits, and origins as a normalised list", () => {
    const config = readConfig({
      TEXT_MAX_LENGTH: "500",
      MESSAGES_PER_SECOND: "0",
      OVERLOAD_TARGET_MS: "250",
      ALLOWED_ORIGINS: " https://Chat.Example.org:443 , http://localhost:5173,",
    });
    expect(config.limits).toMatchObject({
      textMaxLength: 500,
      messagesPerSecond: 0,
      overloadTargetMs: 250,
    });
    expect(config.ALLOWED_ORIGINS).toEqual(["https://chat.example.org", "http://localhost:5173"]);
  });

  it.each([
    ["TEXT_MAX_LENGTH", String(LIMITS.textMaxLength + 1)],
    ["NAME_MAX_LENGTH", "0"],
    ["HISTORY_PAGE_MAX", String(LIMITS.historyPageDefault - 1)],
    ["MAX_HTTP_BUFFER_SIZE", "10"],
    ["CONNECTIONS_PER_IP", "-1"],
    ["MESSAGE_BURST", "many"],
    ["OVERLOAD_TARGET_MS", "60001"],
    ["ALLOWED_ORIGINS", "chat.example.org"],
    ["ALLOWED_ORIGINS", "ftp://chat.example.org"],
    ["PORT", "70000"],
    ["PORT", "0x10"],
    ["PORT", "1e3"],
    ["MESSAGES_PER_SECOND", "1.5"],
    ["TRUST_PROXY", "+1"],
    ["PORT", ""],
    ["CONNECTIONS_PER_IP", " "],
    ["PRESENCE_GRACE_MS", "99999999999"],
    ["REDIS_URL", "http://127.0.0.1:6379"],
  ])("refuses %s=%s, naming the variable", (name, value) => {
    expect(() => readConfig({ [name]: value })).toThrow(name);
  });

  it("takes the widest values that still work: any port, a grace window setTimeout can hold, TLS Redis", () => {
    const config = readConfig({
      PORT: " 065535 ",
      PRESENCE_GRACE_MS: String(2 ** 31 - 1),
      REDIS_URL: "rediss://cache.example.org:6380",
    });
    expect([config.PORT, config.PRESENCE_GRACE_MS, config.REDIS_URL]).toEqual([
      65535,
      2 ** 31 - 1,
      "rediss://cache.example.org:6380",
    ]);
  });
});

describe("the data directory", () => {
  const temp = () => mkdtempSync(join(tmpdir(), "chat-config-"));

  it("is created when missing", () => {
    const dir = join(temp(), "nested", "data");
    expect(writableDataDir(dir)).toBe(dir);
    expect(existsSync(dir)).toBe(true);
  });

  it("stops the server, naming DATA_DIR, when it is a file or under one", () => {
    const file = join(temp(), "chat.db");
    writeFileSync(file, "");
    expect(() => writableDataDir(file)).toThrow(/DATA_DIR: cannot create or write/);
    expect(() => writableDataDir("/dev/null/data")).toThrow(/DATA_DIR: cannot create or write/);
  });

  // Root writes through any mode bits, so only another user can see a read-only directory refused.
  it.skipIf(process.getuid?.() === 0)("stops the server, naming DATA_DIR, when it cannot be written", () => {
    const dir = temp();
    chmodSync(dir, 0o555);
    expect(() => writableDataDir(dir)).toThrow(/DATA_DIR: cannot create or write/);
  });
});

describe("the client directory", () => {
  it("is served when it holds index.html", () => {
    const dir = mkdtempSync(join(tmpdir(), "chat-client-"));
    writeFileSync(join(dir, "index.html"), "<!doctype html>");
    const { lines, log } = capturedLog();
    expect(servedClientDir(dir, log)).toBe(dir);
    expect(lines).toEqual([]);
  });

  it.each([
    ["is empty", () => mkdtempSync(join(tmpdir(), "chat-client-"))],
    ["is missing", () => join(tmpdir(), "no-such-client")],
  ])("when it %s, is not served, and a warning at start names CLIENT_DIR", (_, dir) => {
    const { lines, log } = capturedLog();
    expect(servedClientDir(dir(), log)).toBeNull();
    expect(lines).toEqual([
      expect.objectContaining({ level: 40, msg: expect.stringContaining("CLIENT_DIR") }),
    ]);
  });
});
