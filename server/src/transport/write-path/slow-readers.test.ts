import { once } from "node:events";
import type { Socket as TcpSocket } from "node:net";
import { CLIENT_EVENTS } from "@chat/shared";
import { afterEach, describe, expect, it } from "vitest";
import { ChatUser } from "../../test-support/chat-client.js";
import { type RunningChat, startChat } from "../../test-support/chat-server.js";
import type { EngineConnection } from "./engine-internals.js";

let chat: RunningChat;
const users: ChatUser[] = [];

afterEach(async () => {
  for (const user of users.splice(0)) user.close();
  await chat.close();
});

/** The TCP stream under a socket.io-client WebSocket, to stop reading from it. */
function tcpOf(user: ChatUser): TcpSocket {
  return (user.socket.io.engine.transport as unknown as { ws: { _socket: TcpSocket } }).ws._socket;
}

describe("a client that stops reading", () => {
  it("is cut once it falls the limit behind, while everyone else keeps chatting", async () => {
    const maxUnreadBytes = 1024 * 1024;
    chat = await startChat({ limits: { maxUnreadBytes, messagesPerSecond: 0, messageBurst: 0 } });
    const [writer, reader, stalled] = await Promise.all([
      ChatUser.login(chat.url, "Writer"),
      ChatUser.login(chat.url, "Reader"),
      ChatUser.login(chat.url, "Stalled"),
    ]);
    users.push(writer, reader, stalled);
    const stalledOnServer = chat.server.io.of("/").sockets.get(stalled.socket.id ?? "");
    if (!stalledOnServer) throw new Error("no server socket");
    const cut = once(stalledOnServer, "disconnect");
    tcpOf(stalled).pause();

    // Until the kernel's buffers on both ends are full, the server holds nothing itself: bounded, the
    // loop sends far more than those hold (16 KB a message, 160 KB at a time, less than the limit a
    // client that reads could fall behind), and stops as soon as the stalled client is cut.
    const big = "😀".repeat(4000);
    let cutAfter: number | null = null;
    void cut.then(() => {
      cutAfter ??= sent;
    });
    let sent = 0;
    while (cutAfter === null && sent < 3000) {
      await Promise.all(Array.from({ length: 10 }, () => writer.send(null, big)));
      sent += 10;
    }
    expect(cutAfter).not.toBeNull();
    // As Engine.IO names a connection the server closes; a recoverable reason, so it can resume.
    expect(await cut).toEqual(["forced close", undefined]);
    const metrics = await (await fetch(`${chat.url}/metrics`)).text();
    expect(metrics).toContain('chat_rate_limited_total{limit="unread"} 1');
    const fence = await writer.send(null, "fence");
    if (!fence.ok) throw new Error(fence.error.message);
    await reader.receivedIds([fence.message.id]);
    expect(reader.messages).toHaveLength(sent + 1);
  });

  it("is cut as the answers to many requests sent at once pile up, not after", async () => {
    const maxUnreadBytes = 1024 * 1024;
    chat = await startChat({ limits: { maxUnreadBytes, messagesPerSecond: 0, readsPerSecond: 0 } });
    const [writer, stalled] = await Promise.all([
      ChatUser.login(chat.url, "Writer"),
      ChatUser.login(chat.url, "Stalled"),
    ]);
    users.push(writer, stalled);
    // A page of 50 messages of 4000 characters is about 200 KB; 60 of them would be 12 MB.
    await Promise.all(Array.from({ length: 50 }, () => writer.send(null, "x".repeat(4000))));
    const onServer = chat.server.io.of("/").sockets.get(stalled.socket.id ?? "");
    if (!onServer) throw new Error("no server socket");
    const cut = once(onServer, "disconnect");
    const serverTcp = (onServer.conn as unknown as EngineConnection).transport;
    if (serverTcp.name !== "websocket") throw new Error("not on WebSocket");
    tcpOf(stalled).pause();
    for (let i = 0; i < 60; i++) stalled.socket.emit(CLIENT_EVENTS.history, { with: null }, () => undefined);
    expect(await cut).toEqual(["forced close", undefined]);
    // Cut once about the limit waited for it, a few answers in: not after all sixty (12 MB).
    expect(serverTcp.socket._socket.bytesWritten).toBeLessThan(3 * maxUnreadBytes);
  });

  it.each([
    ["a thousand small packets", "hi", 900, 1100],
    // 4000 characters are up to 12,000 bytes of UTF-8: about 85 of them fill a MiB.
    ["the limit in bytes of large ones", "x".repeat(4000), 60, 100],
  ])("is cut on long-polling too, once %s wait for a poll that never comes", async (_, text, from, to) => {
    chat = await startChat({
      limits: { maxUnreadBytes: 1024 * 1024, messagesPerSecond: 0, messageBurst: 0 },
    });
    const writer = await ChatUser.login(chat.url, "Writer");
    users.push(writer);
    // A long-polling client that logs in, then never polls again: its packets queue on the server.
    const base = `${chat.url}/socket.io/?EIO=4&transport=polling`;
    const opened = await (await fetch(base)).text();
    const { sid } = JSON.parse(opened.slice(1)) as { sid: string };
    const joined = new Promise<string>((resolve) =>
      chat.server.io.once("connection", (socket) => resolve(socket.id)),
    );
    await fetch(`${base}&sid=${sid}`, { method: "POST", body: '40{"name":"Idle"}' });
    const idle = chat.server.io.of("/").sockets.get(await joined);
    if (!idle) throw new Error("no server socket");
    const cut = once(idle, "disconnect");
    let cutAfter: number | null = null;
    let sent = 0;
    void cut.then(() => {
      cutAfter ??= sent;
    });
    while (cutAfter === null && sent < 3000) {
      await Promise.all(Array.from({ length: 10 }, () => writer.send(null, text)));
      sent += 10;
    }
    expect(cutAfter).not.toBeNull();
    expect(cutAfter).toBeGreaterThanOrEqual(from);
    expect(cutAfter).toBeLessThanOrEqual(to);
    expect(await cut).toEqual(["forced close", undefined]);
  });
});
