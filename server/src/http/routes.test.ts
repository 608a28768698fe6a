import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { type IncomingHttpHeaders, request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from "node:zlib";
import { CLIENT_EVENTS } from "@chat/shared";
import { afterEach, describe, expect, it } from "vitest";
import { openSqliteStorage } from "../storage/sqlite/index.js";
import { ChatUser } from "../test-support/chat-client.js";
import { type RunningChat, startChat, tempDataDir } from "../test-support/chat-server.js";
import { CONTENT_SECURITY_POLICY } from "./security-headers.js";

let chat: RunningChat;
const users: ChatUser[] = [];

afterEach(async () => {
  for (const user of users.splice(0)) user.close();
  await chat.close();
});

const ASSET = "/assets/index-C0ffee12.js";

const ASSET_CONTENT = 'console.log("chat");\n'.repeat(100);

/** A client as the build leaves it: the page, a bundle named after its content's hash, compressed too. */
function builtClient(): string {
  const dir = mkdtempSync(join(tmpdir(), "chat-client-"));
  writeFileSync(join(dir, "index.html"), "<!doctype html><title>Chat</title>");
  mkdirSync(join(dir, "assets"));
  writeFileSync(join(dir, ASSET), ASSET_CONTENT);
  writeFileSync(join(dir, `${ASSET}.gz`), gzipSync(ASSET_CONTENT));
  writeFileSync(join(dir, `${ASSET}.br`), brotliCompressSync(ASSET_CONTENT));
  return dir;
}

/** GET with the path sent exactly as given: fetch would normalise `\\` and `..` before sending. */
function rawGet(
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: chat.port, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("error", reject);
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
    });
    req.on("error", reject);
    req.end();
  });
}

describe("operational endpoints", () => {
  it("/healthz is 200 while the process runs; /readyz only while the store answers", async () => {
    const storage = await openSqliteStorage(tempDataDir());
    chat = await startChat({ storage });
    expect((await fetch(`${chat.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${chat.url}/readyz`);
    expect([ready.status, await ready.json()]).toEqual([200, { status: "ready" }]);
    await storage.close();
    const unavailable = await fetch(`${chat.url}/readyz`);
    expect([unavailable.status, await unavailable.json()]).toEqual([503, { status: "unavailable" }]);
  });

  it("/metrics answers only its own path, not one a proxy passes on as a path under the base path", async () => {
    chat = await startChat({ basePath: "/chat/", clientDir: builtClient() });
    const metrics = await rawGet("/metrics");
    expect(metrics.body.toString()).toContain("chat_connected_sockets");
    for (const path of [
      "/chat/..\\metrics",
      "/chat/..\\..\\metrics",
      "/chat/%2e%2e/metrics",
      "/chat\\..\\metrics",
    ]) {
      const res = await rawGet(path);
      expect(res.body.toString(), path).not.toContain("chat_connected_sockets");
    }
  });
});

describe("the client's pages", () => {
  it("carry a Content-Security-Policy that allows no inline script", async () => {
    chat = await startChat({ clientDir: builtClient() });
    for (const path of ["/", "/index.html", "/some/deep/link"]) {
      const res = await fetch(`${chat.url}${path}`);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-security-policy")).toBe(CONTENT_SECURITY_POLICY);
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    }
    expect(CONTENT_SECURITY_POLICY).toMatch(/script-src 'self'(;|$)/);
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-inline|unsafe-eval/);
  });

  it("are cached: a hashed asset for a year without asking again, the page revalidated on every load", async () => {
    chat = await startChat({ clientDir: builtClient() });
    const cacheControl = async (path: string) =>
      (await fetch(`${chat.url}${path}`)).headers.get("cache-control");
    expect(await cacheControl(ASSET)).toBe("public, max-age=31536000, immutable");
    for (const path of ["/", "/index.html", "/some/deep/link"])
      expect(await cacheControl(path)).toBe("no-cache");
  });

  it("go out compressed to browsers that accept it, and as they are to those that do not", async () => {
    chat = await startChat({ clientDir: builtClient() });
    const gzip = await rawGet(ASSET, { "accept-encoding": "gzip, deflate" });
    expect([gzip.headers["content-encoding"], gzip.headers["content-type"]]).toEqual([
      "gzip",
      "text/javascript",
    ]);
    expect(gzip.headers.vary).toBe("Accept-Encoding");
    expect(gunzipSync(gzip.body).toString()).toBe(ASSET_CONTENT);
    const brotli = await rawGet(ASSET, { "accept-encoding": "gzip, deflate, br" });
    expect(brotli.headers["content-encoding"]).toBe("br");
    expect(brotliDecompressSync(brotli.body).toString()).toBe(ASSET_CONTENT);
    const plain = await rawGet(ASSET);
    expect(plain.headers["content-encoding"]).toBeUndefined();
    expect(plain.body.toString()).toBe(ASSET_CONTENT);
  });
});

describe("the client's pages, asked for oddly", () => {
  it("refuse a range that ends before it starts with 416, and stay up", async () => {
    chat = await startChat({ clientDir: builtClient() });
    for (const path of ["/", ASSET]) {
      const reversed = await rawGet(path, { range: "bytes=10-5" });
      expect([path, reversed.status]).toEqual([path, 416]);
    }
    expect((await rawGet(ASSET, { range: "bytes=0-6" })).body.toString()).toBe("console");
    expect((await fetch(`${chat.url}/healthz`)).status).toBe(200);
  });

  it("refuse to be written to with 405, and their compressed copies by name with 404", async () => {
    chat = await startChat({ clientDir: builtClient() });
    for (const method of ["POST", "PUT", "DELETE"]) {
      const response = await fetch(`${chat.url}/`, { method });
      expect([method, response.status, response.headers.get("allow")]).toEqual([method, 405, "GET, HEAD"]);
    }
    for (const path of [`${ASSET}.gz`, `${ASSET}.br`, "/index.html.br?x=1"]) {
      expect([path, (await rawGet(path)).status]).toEqual([path, 404]);
    }
    expect((await fetch(`${chat.url}/`, { method: "HEAD" })).status).toBe(200);
  });

  it("cut the answer for a file gone since the server started (a deploy under it), and stay up", async () => {
    const dir = builtClient();
    chat = await startChat({ clientDir: dir });
    for (const suffix of ["", ".gz", ".br"]) rmSync(join(dir, `${ASSET}${suffix}`));
    await expect(rawGet(ASSET)).rejects.toThrow();
    expect((await fetch(`${chat.url}/healthz`)).status).toBe(200);
  });
});

describe("an app served under a sub-path", () => {
  it("serves the page, health and Socket.IO under the base path, and nothing outside it", async () => {
    chat = await startChat({ basePath: "/chat/", clientDir: builtClient() });
    const get = (path: string) => fetch(`${chat.url}${path}`, { redirect: "manual" });

    expect(await (await get("/chat/")).text()).toContain("<title>Chat</title>");
    expect(await (await get("/chat/some/deep/link")).text()).toContain("<title>Chat</title>");
    const bare = await get("/chat");
    expect([bare.status, bare.headers.get("location")]).toEqual([301, "/chat/"]);
    expect((await get("/chat/healthz")).status).toBe(200);
    expect((await get("/healthz")).status).toBe(200);
    expect((await get("/")).status).toBe(404);

    const user = await ChatUser.login(chat.url, "Ann", { path: "/chat/socket.io" });
    users.push(user);
    expect(user.name).toBe("Ann");
    await expect(ChatUser.login(chat.url, "Bob", { timeout: 2_000 })).rejects.toThrow();
  });

  it("names its Engine.IO sessions after the node, so a proxy can route long-polling back to it", async () => {
    chat = await startChat({ nodeId: "n7" });
    const user = await ChatUser.login(chat.url, "Ann", { transports: ["polling"] });
    users.push(user);
    expect(user.socket.io.engine.id).toMatch(/^n7-[\w-]{20}$/);
  });
});

describe("long-polling answers", () => {
  it("go out as they are to clients that accept gzip: nothing is compressed at run time", async () => {
    chat = await startChat();
    const writer = await ChatUser.login(chat.url, "Writer");
    users.push(writer);
    await writer.send(null, "a".repeat(4000));
    const base = "/socket.io/?EIO=4&transport=polling";
    const { sid } = JSON.parse((await rawGet(base)).body.toString().slice(1)) as { sid: string };
    const session = `${chat.url}${base}&sid=${sid}`;
    await fetch(session, { method: "POST", body: '40{"name":"Reader"}' });
    await fetch(session);
    await fetch(session, {
      method: "POST",
      body: `421${JSON.stringify([CLIENT_EVENTS.history, { with: null }])}`,
    });
    const poll = await rawGet(`${base}&sid=${sid}`, { "accept-encoding": "gzip" });
    expect(poll.headers["content-encoding"]).toBeUndefined();
    expect(poll.body.toString()).toContain("a".repeat(4000));
  });
});
