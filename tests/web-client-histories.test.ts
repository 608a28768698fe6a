import { CLIENT_EVENTS } from "@chat/shared";
import { afterEach, describe, expect, it } from "vitest";
import type { SavedState } from "../client/src/connection/saved-state.js";
import { useConversation } from "../client/src/stores/conversation.js";
import { ChatUser } from "../server/src/test-support/chat-client.js";
import { type RunningChat, startChat } from "../server/src/test-support/chat-server.js";
import { parsePrometheusText, sampleValue } from "../server/src/test-support/prometheus-text.js";
import { startWebClient, type WebClient } from "./support/web-client.js";

let chat: RunningChat | undefined;
let client: WebClient | undefined;
const users: ChatUser[] = [];

afterEach(async () => {
  for (const socket of client?.sockets ?? []) socket.disconnect();
  for (const user of users.splice(0)) user.close();
  await chat?.close();
  chat = client = undefined;
});

describe("the web client, back after a reload with many windows open", () => {
  it("loads their histories a few at a time, none refused as too many at once", async () => {
    const server = await startChat();
    chat = server;
    const ann = await ChatUser.login(server.url, "Ann");
    const peers = await Promise.all(
      Array.from({ length: 16 }, (_, i) => ChatUser.login(server.url, `peer${i}`)),
    );
    users.push(ann, ...peers);
    const windows = peers.map((peer) => ({ name: peer.name, id: peer.id }));
    ann.close(); // its tab reloads: the saved state resumes the session
    const saved: SavedState = {
      ...{ token: ann.token, name: "Ann", id: ann.id, newestId: 0, liveDuringCatchUp: [] },
      ...{ windows, closed: [], minimised: [], unread: {}, newestUnread: {}, drafts: {}, outbox: [] },
    };
    client = startWebClient(server.url);
    client.connection.resume(saved);

    const conversations = [null, ...windows].map((peer) => useConversation(peer));
    await expect.poll(() => conversations.every((c) => c.historyLoaded), { timeout: 10_000 }).toBe(true);
    const metrics = parsePrometheusText(await (await fetch(`${server.url}/metrics`)).text());
    const answered = (result: string) =>
      sampleValue(metrics, "chat_acks_total", { event: CLIENT_EVENTS.history, result });
    expect([answered("ok"), answered("RATE_LIMITED")]).toEqual([17, 0]);
  });
});
