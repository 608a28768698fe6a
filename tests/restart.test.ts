import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ChatMessage, SERVER_EVENTS } from "@chat/shared";
import { afterEach, describe, expect, it } from "vitest";
import { ChatUser } from "../server/src/test-support/chat-client.js";
import { freePort } from "../server/src/test-support/ports.js";
import { type ServerProcess, startServerProcess } from "./support/server-process.js";

const processes: ServerProcess[] = [];
const users: ChatUser[] = [];

afterEach(async () => {
  for (const user of users.splice(0)) user.close();
  for (const server of processes.splice(0)) await server.kill("SIGKILL");
});

async function start(port: number, dataDir: string): Promise<ServerProcess> {
  // No send limit: the burst should be as hard as the clients can make it (limits have their own tests).
  const server = await startServerProcess({
    PORT: String(port),
    DATA_DIR: dataDir,
    MESSAGES_PER_SECOND: "0",
  });
  processes.push(server);
  return server;
}

/** Users that reconnect on their own, as a real client does, and resume by the token from `session`. */
async function loginAll(url: string, names: string[]): Promise<ChatUser[]> {
  const logged = await Promise.all(
    names.map((name) =>
      ChatUser.login(url, name, { reconnection: true, reconnectionDelay: 100, reconnectionDelayMax: 400 }),
    ),
  );
  users.push(...logged);
  return logged;
}

/**
 * Every user keeps `lanes` sends in flight until told to stop; a send that times out or fails in the
 * crash is simply not counted as acknowledged.
 */
function burst(senders: ChatUser[], lanes: number) {
  const acked: ChatMessage[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  let stopped = false;
  const lane = async (user: ChatUser, lane: number) => {
    for (let i = 0; !stopped; i++) {
      const ack = await user.send(null, `${user.name} lane ${lane} #${i}`).catch(() => null);
      if (!ack?.ok) continue;
      acked.push(ack.message);
      for (const waiter of waiters.filter((w) => acked.length >= w.count)) waiter.resolve();
    }
  };
  const running = Promise.all(
    senders.flatMap((user) => Array.from({ length: lanes }, (_, l) => lane(user, l))),
  );
  return {
    acked,
    /** Resolves once `count` sends in all have been acknowledged. */
    reached: (count: number) => new Promise<void>((resolve) => waiters.push({ count, resolve })),
    async stop() {
      stopped = true;
      await running;
    },
  };
}

async function allGroupMessages(reader: ChatUser): Promise<Map<number, ChatMessage>> {
  const all = new Map<number, ChatMessage>();
  let after: number | null = null;
  for (;;) {
    const page = await reader.sync(after);
    if (!page.ok) throw new Error(page.error.message);
    for (const message of page.messages) all.set(message.id, message);
    if (!page.more) return all;
    after = page.messages.at(-1)?.id ?? after;
  }
}

describe.each([
  ["SIGKILL", "a crash"],
  ["SIGTERM", "a graceful shutdown"],
] as const)("%s in the middle of a send burst", (signal, what) => {
  it(`loses no acknowledged message across ${what}, and clients resume by token on their own`, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "chat-restart-"));
    const port = await freePort();
    const first = await start(port, dataDir);
    const senders = await loginAll(first.url, ["Ann", "Bob", "Cid"]);
    const refusals: string[] = [];
    // Transport errors while the server is down are expected; a refusal by the server (NAME_TAKEN,
    // SESSION_EXPIRED…) would mean the user lost their session.
    for (const user of senders) {
      user.socket.on("connect_error", (err: Error & { data?: unknown }) => {
        if (err.data) refusals.push(err.message);
      });
    }

    const load = burst(senders, 8);
    await load.reached(300);
    const resumed = Promise.all(senders.map((user) => user.next(SERVER_EVENTS.session, () => true, 20_000)));
    const exit = await first.kill(signal);
    const ackedBefore = load.acked.length;
    const second = await start(port, dataDir);
    await resumed;
    await load.reached(ackedBefore + 100);
    await load.stop();

    expect(exit).toBe(signal === "SIGKILL" ? "SIGKILL" : 0);
    expect(refusals).toEqual([]);
    for (const user of senders) {
      const greetings = user.events.filter((e) => e.event === SERVER_EVENTS.session).map((e) => e.payload);
      expect(greetings).toEqual([user.session, user.session]);
    }
    const stored = await allGroupMessages(senders[0] as ChatUser);
    const lost = load.acked.filter((m) => stored.get(m.id)?.text !== m.text);
    console.log(
      `${signal} restart: ${load.acked.length} acknowledged (${ackedBefore} before the ${signal}), ` +
        `${stored.size} stored, ${lost.length} lost`,
    );
    expect(lost).toEqual([]);
    // Both servers logged every connection and disconnection, but no secret and nothing anyone wrote.
    const logs = JSON.stringify([...first.logs, ...second.logs]);
    expect(logs).toContain('"msg":"connected"');
    for (const secret of [...senders.map((user) => user.token), ...load.acked.map((m) => m.text)]) {
      expect(logs).not.toContain(secret);
    }
  });
});

describe("a shutdown with SHUTDOWN_DRAIN_MS", () => {
  it("says not ready at once and serves on for that long, then closes and exits 0", async () => {
    const server = await startServerProcess({
      PORT: "0",
      DATA_DIR: mkdtempSync(join(tmpdir(), "chat-drain-")),
      SHUTDOWN_DRAIN_MS: "3000",
    });
    processes.push(server);
    const [ann] = await loginAll(server.url, ["Ann"]);
    const readiness = async () => (await fetch(`${server.url}/readyz`)).status;
    expect(await readiness()).toBe(200);

    const exited = server.kill("SIGTERM");
    await expect.poll(readiness).toBe(503);
    // Draining: those connected keep chatting, and a newcomer routed here anyway is still served.
    const late = await ChatUser.login(server.url, "Late");
    users.push(late);
    expect(await ann?.send(null, "still here")).toMatchObject({ ok: true });
    expect(await exited).toBe(0);
    expect(server.logs.map((entry) => entry.msg)).toContain("closed");
  });
});
