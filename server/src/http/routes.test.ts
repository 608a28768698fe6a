import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openSqliteStorage } from "../storage/sqlite/index.js";
import { type RunningChat, startChat, tempDataDir } from "../test-support/chat-server.js";
import { CONTENT_SECURITY_POLICY } from "./security-headers.js";

let chat: RunningChat;

afterEach(async () => {
  await chat.close();
});

describe("operational endpoints", () => {
  it("/healthz is 200 while the process runs; /readyz only while the store answers", async () => {
    const storage = openSqliteStorage(tempDataDir());
    chat = await startChat({ storage });
    expect((await fetch(`${chat.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${chat.url}/readyz`);
    expect([ready.status, await ready.json()]).toEqual([200, { status: "ready" }]);
    await storage.close();
    const unavailable = await fetch(`${chat.url}/readyz`);
    expect([unavailable.status, await unavailable.json()]).toEqual([503, { status: "unavailable" }]);
  });
});

describe("the client's pages", () => {
  it("carry a Content-Security-Policy that allows no inline script", async () => {
    const clientDir = mkdtempSync(join(tmpdir(), "chat-client-"));
    writeFileSync(join(clientDir, "index.html"), "<!doctype html><title>Chat</title>");
    chat = await startChat({ clientDir });
    for (const path of ["/", "/index.html", "/some/deep/link"]) {
      const res = await fetch(`${chat.url}${path}`);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-security-policy")).toBe(CONTENT_SECURITY_POLICY);
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    }
    expect(CONTENT_SECURITY_POLICY).toMatch(/script-src 'self'(;|$)/);
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-inline|unsafe-eval/);
  });
});
