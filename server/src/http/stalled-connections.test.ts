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

/** Whether the connection still carries a request: `/healthz` asked over it, answered 200. */
async function serves(socket: Socket): Promise<boolean> {
  const answer = new Promise<boolean>((resolve) => {
    socket.once("data", (data: Buffer) => resolve(data.toString().startsWith("HTTP/1.1 200")));
    socket.once("close", () => resolve(false));
  });
  socket.write("GET /healthz HTTP/1.1\r\nHost: chat\r\n\r\n");
  return answer;
}

/** A polling answer of `messages` messages of 12 KB of UTF-8 each, `pages` history pages of them. */
async function pollLeftUnread(
  messages: number,
  pages: number,
): Promise<{ hoard: Socket; serverSide: Socket }> {
  chat = await startChat({
    heartbeat: { intervalMs: 500, timeoutMs: 500 },
    // Its answers may wait for it: this client is not cut for falling behind before it stops reading.
    limits: { messagesPerSecond: 0, readsPerSecond: 0, maxUnreadBytes: 256 * 1024 * 1024 },
  });
  const writer = await users.login("Writer");
  for (let i = 0; i < messages; i += 50) {
    const batch = Math.min(50, messages - i);
    await Promise.all(
      Array.from({ length: batch }, (_, j) => writer.send(null, `${i + j} ${"語".repeat(3990)}`)),
    );
  }
  const base = `/socket.io/?EIO=4&transport=polling`;
  const opened = await (await fetch(`${chat.url}${base}`)).text();
  const { sid } = JSON.parse(opened.slice(1)) as { sid: string };
  const session = `${chat.url}${base}&sid=${sid}`;
  await fetch(session, { method: "POST", body: '40{"name":"Hoarder"}' });
  await fetch(session);
  const asks = Array.from(
    { length: pages },
    (_, ack) => `42${ack}${JSON.stringify([CLIENT_EVENTS.history, { with: null, limit: 200 }])}`,
  );
  await fetch(session, { method: "POST", body: asks.join("\x1e") });
  // The poll that takes the answer, on a connection of its own that is never read.
  const accepted = once(chat.server.io.httpServer, "connection");
  const hoard = await openConnection();
  const [serverSide] = (await accepted) as [Socket];
  hoard.pause();
  hoard.write(`GET ${base}&sid=${sid} HTTP/1.1\r\nHost: chat\r\n\r\n`);
  return { hoard, serverSide };
}

describe("a long-polling client that stops reading", () => {
  it.each([
    // Three pages, 7 MB: more than the kernel's buffers for a connection take (4 MB at most here), so the
    // server itself holds the rest, and nothing moves on the connection for the heartbeat's second.
    ["once nothing moved on it for a heartbeat, the answer it left dropped", 200, 3, 7 * 1024 * 1024],
    // One page, 0.7 MB: the kernel takes it all, the answer is finished, and Node's keep-alive timeout
    // ends the connection after 5 s.
    ["as it rests after a large answer the kernel took whole, the answer dropped", 60, 1, 700 * 1024],
  ])(
    "has its connection reset %s",
    async (_, messages, pages, answerBytes) => {
      const { hoard, serverSide } = await pollLeftUnread(messages, pages);
      // The server lets go of it, and of the answer: reset, the kernel's buffers are dropped too, where a
      // close would go on delivering what they hold. The client, reading at last, gets what its own
      // buffers took, then the end.
      await expect.poll(() => serverSide.destroyed, { timeout: 10_000 }).toBe(true);
      let received = 0;
      hoard.on("data", (data: Buffer) => {
        received += data.length;
      });
      hoard.resume();
      await once(hoard, "close");
      expect(received).toBeLessThan(answerBytes / 2);
    },
    20_000,
  );
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
