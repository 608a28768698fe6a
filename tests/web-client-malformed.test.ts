import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { type ChatMessage, CLIENT_EVENTS, SERVER_EVENTS } from "@chat/shared";
import { Server } from "socket.io";
import { afterEach, describe, expect, it, vi } from "vitest";
import { useCatchUp } from "../client/src/stores/catch-up.js";
import { useConversation } from "../client/src/stores/conversation.js";
import { useOutbox } from "../client/src/stores/outbox.js";
import { startWebClient, type WebClient } from "./support/web-client.js";

let client: WebClient | undefined;
let server: Server | undefined;

afterEach(async () => {
  for (const socket of client?.sockets ?? []) socket.disconnect();
  await server?.close();
  client = server = undefined;
  vi.restoreAllMocks();
});

const ann = { name: "Ann", id: "ann-id" };
const bob = { name: "Bob", id: "bob-id" };
const fromBob = (id: number, text: string): ChatMessage => ({
  id,
  from: bob.name,
  fromId: bob.id,
  to: null,
  toId: null,
  text,
  sentAt: Date.now(),
  clientId: `bob-${id}`,
});

/**
 * A server that lets Ann in and then sends what the protocol does not allow, each time next to what it
 * does: a web client must act on the one and drop the other.
 */
async function startMisbehavingServer(): Promise<string> {
  const http = createServer();
  const io = new Server(http);
  server = io;
  io.on("connection", (socket) => {
    socket.emit(SERVER_EVENTS.session, { token: "t".repeat(43), ...ann });
    socket.emit(SERVER_EVENTS.users, { users: [ann, bob], v: "1" });
    // A page of history with a message whose time no Date can hold (a new login asks for no catch-up).
    const broken = { ...fromBob(2, "broken"), sentAt: 1e300 };
    socket.on(CLIENT_EVENTS.history, (_, answer) => answer({ ok: true, messages: [broken] }));
    // A send answered with a message that is not one.
    socket.on(CLIENT_EVENTS.send, (_, answer) =>
      answer({ ok: true, message: { id: "not a number" } } as never),
    );
    socket.emit(SERVER_EVENTS.message, { ...fromBob(3, "no sender"), from: undefined } as never);
    socket.emit(SERVER_EVENTS.message, { ...fromBob(Number.MAX_VALUE, "far ahead") });
    socket.emit(SERVER_EVENTS.joined, { name: "Cid" } as never);
    socket.emit(SERVER_EVENTS.message, fromBob(1, "hello"));
  });
  http.listen(0, "127.0.0.1");
  await once(http, "listening");
  return `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
}

describe("the web client, sent what the protocol does not allow", () => {
  it("drops it and acts on the rest: no message that is not one, no watermark moved by one", async () => {
    const warned = vi.spyOn(console, "warn").mockImplementation(() => {});
    client = startWebClient(await startMisbehavingServer());
    await client.connection.login("Ann");
    const group = useConversation(null);
    await expect.poll(() => group.messages.map((m) => m.text)).toEqual(["hello"]);
    expect(useCatchUp().newestId).toBe(1);

    client.connection.send(null, "hi Bob");
    const outbox = useOutbox();
    await expect.poll(() => outbox.entries.map((entry) => entry.state)).toEqual(["failed"]);
    expect(outbox.entries[0]?.failure).toBe("The server's answer was malformed.");
    expect(group.messages.map((m) => m.text)).toEqual(["hello"]);
    // The malformed history page was dropped too, and each drop was said.
    expect(warned.mock.calls.map(([warning]) => String(warning)).sort()).toEqual([
      'Dropped a malformed "message" from the server.',
      'Dropped a malformed "message" from the server.',
      'Dropped a malformed "user:joined" from the server.',
      'The server answered "history:get" with something malformed.',
      'The server answered "message:send" with something malformed.',
    ]);
  });
});
