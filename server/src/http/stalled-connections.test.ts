import { once } from "node:events";
import { connect, type Socket } from "node:net";
import { CLIENT_EVENTS } from "@chat/shared";
import { afterEach, describe, expect, it } from "vitest";
import { type RunningChat, startChat } from "../test-support/chat-server.js";
import { TestUsers } from "../test-support/test-users.js";

let chat: RunningChat;
const users = new TestUsers(() => chat.url);
const raw: Socket[] = [];

afterEach(async () => {
  for (const socket of raw.splice(0)) socket.destroy();
  users.closeAll();
  await chat.close();
});

/** A TCP connection to the server, open. */
async function openConnection(): Promise<Socket> {
  const socket = connect(chat.port, "127.0.0.1");
  raw.push(socket);
  socket.on("error", () => {});
  await once(socket, "connect");
  return socket;
}

/** TCP connections the server holds open. */
function openHttpConnections(): Promise<number> {
  return new Promise((resolve, reject) =>
    chat.server.io.httpServer.getConnections((error, count) => (error ? reject(error) : resolve(count))),
  );
}

/** Whether the connection still carries a request: `/healthz` asked over it, answered 200. */
async function serves(socket: Socket): Promise<boolean> {
  const answer = new Promise<boolean>((resolve) => {
    socket.once("data", (data: Buffer) => resolve(data.toString().startsWith("HTTP/1.1 200")));
    socket.once("close", () => resolve(false));
  });
  socket.write("GET /healthz HTTP/1.1\r\nHost: chat\r\n\r\n");
  return answer;
}

describe("a long-polling client that stops reading", () => {
  it("has its connection reset once nothing moved on it for a heartbeat, the answer it left dropped", async () => {
    chat = await startChat({
      heartbeat: { intervalMs: 500, timeoutMs: 500 },
      // Its answers may wait for it: this client is not cut for falling behind before it stops reading.
      limits: { messagesPerSecond: 0, readsPerSecond: 0, maxUnreadBytes: 256 * 1024 * 1024 },
    });
    const writer = await users.login("Writer");
    // 200 messages of 12 KB of UTF-8 each: three pages of them, 7 MB, are more than the kernel's buffers
    // for a connection take (4 MB at most here), so the server itself holds the rest.
    for (let i = 0; i < 200; i += 50) {
      await Promise.all(
        Array.from({ length: 50 }, (_, j) => writer.send(null, `${i + j} ${"語".repeat(3990)}`)),
      );
    }

    const base = `/socket.io/?EIO=4&transport=polling`;
    const opened = await (await fetch(`${chat.url}${base}`)).text();
    const { sid } = JSON.parse(opened.slice(1)) as { sid: string };
    const session = `${chat.url}${base}&sid=${sid}`;
    await fetch(session, { method: "POST", body: '40{"name":"Hoarder"}' });
    await fetch(session);
    const pages = [1, 2, 3].map(
      (ack) => `42${ack}${JSON.stringify([CLIENT_EVENTS.history, { with: null, limit: 200 }])}`,
    );
    await fetch(session, { method: "POST", body: pages.join("\x1e") });

    // The poll that takes the answer, on a connection of its own that is never read.
    const openBefore = await openHttpConnections();
    const hoard = await openConnection();
    hoard.pause();
    hoard.write(`GET ${base}&sid=${sid} HTTP/1.1\r\nHost: chat\r\n\r\n`);
    await expect.poll(openHttpConnections).toBe(openBefore + 1);
    // The server lets go of it, and of the answer: reset, the kernel's buffers are dropped too, where a
    // close would go on delivering the 4 MB they hold. The client, reading at last, gets what its own
    // buffers took, then the end.
    await expect.poll(openHttpConnections, { timeout: 5_000 }).toBe(openBefore);
    let received = 0;
    hoard.on("data", (data: Buffer) => {
      received += data.length;
    });
    hoard.resume();
    await once(hoard, "close");
    expect(received).toBeLessThan(2 * 1024 * 1024);
  }, 15_000);
});

describe("the TCP connections of one address", () => {
  it("are refused beyond twice its connection limit and a browser's six, and admitted again as some close", async () => {
    chat = await startChat({ limits: { connectionsPerIp: 2 } });
    const admitted = await Promise.all(Array.from({ length: 10 }, openConnection));
    const refused = await openConnection();
    expect(await serves(refused)).toBe(false);
    expect(await Promise.all(admitted.map(serves))).toEqual(admitted.map(() => true));

    const closed = admitted[0] as Socket;
    closed.destroy();
    await once(closed, "close");
    await expect.poll(async () => serves(await openConnection())).toBe(true);
  });

  it("are not counted by address behind a proxy, whose own address every one of them has", async () => {
    chat = await startChat({ limits: { connectionsPerIp: 2 }, trustProxyHops: 1 });
    const connections = await Promise.all(Array.from({ length: 12 }, openConnection));
    expect(await Promise.all(connections.map(serves))).toEqual(connections.map(() => true));
  });
});
