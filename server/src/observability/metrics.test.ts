import { ErrorCode } from "@chat/shared";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ChatUser } from "../test-support/chat-client.js";
import { type RunningChat, startChat } from "../test-support/chat-server.js";
import { parsePrometheusText, type Sample, sampleValue } from "../test-support/prometheus-text.js";
import { TestUsers } from "../test-support/test-users.js";

let chat: RunningChat;
const users = new TestUsers(() => chat.url);

async function scrape(): Promise<Sample[]> {
  const res = await fetch(`${chat.url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
  return parsePrometheusText(await res.text());
}

beforeEach(async () => {
  chat = await startChat({ limits: { messagesPerSecond: 10, messageBurst: 0 } });
});

afterEach(async () => {
  users.closeAll();
  await chat.close();
});

describe("GET /metrics", () => {
  it("is Prometheus text whose counters follow the messages that flow", async () => {
    const [ann, bob, cid] = [await users.login("Ann"), await users.login("Bob"), await users.login("Cid")];
    const before = await scrape();
    const sentIds: number[] = [];
    for (const [to, text] of [
      [null, "one"],
      [null, "two"],
      ["Bob", "psst"],
    ] as const) {
      const ack = await ann.send(to, text);
      if (ack.ok) sentIds.push(ack.message.id);
    }
    expect(await ann.send(null, "")).toMatchObject({ error: { code: ErrorCode.TEXT_INVALID } });
    await bob.receivedIds(sentIds);
    await cid.receivedIds(sentIds.slice(0, 2));
    const after = await scrape();

    const moved = (name: string, labels: Record<string, string> = {}) =>
      sampleValue(after, name, labels) - sampleValue(before, name, labels);
    expect(moved("chat_messages_sent_total", { conversation: "group" })).toBe(2);
    expect(moved("chat_messages_sent_total", { conversation: "private" })).toBe(1);
    // Two group messages to Bob and Cid, one private one to Bob.
    expect(moved("chat_messages_delivered_total")).toBe(5);
    expect(moved("chat_acks_total", { event: "message:send", result: "ok" })).toBe(3);
    expect(moved("chat_acks_total", { event: "message:send", result: ErrorCode.TEXT_INVALID })).toBe(1);
    expect(moved("chat_store_operation_seconds_count", { store: "messages", operation: "append" })).toBe(3);
    expect(sampleValue(after, "chat_connected_sockets")).toBe(3);
    expect(sampleValue(after, "chat_online_users")).toBe(3);
    // Every login has had its list, and its join went out: nothing waits for a round.
    expect(sampleValue(after, "chat_presence_pending")).toBe(0);
    expect(after.some((s) => s.name === "nodejs_eventloop_lag_seconds")).toBe(true);
  });

  it("counts refused logins and resumes by their code, which nothing else shows", async () => {
    await users.login("Ann");
    const before = await scrape();
    await expect(ChatUser.login(chat.url, "ann")).rejects.toMatchObject({ code: ErrorCode.NAME_TAKEN });
    await expect(ChatUser.login(chat.url, " ")).rejects.toMatchObject({ code: ErrorCode.NAME_INVALID });
    for (const token of ["a".repeat(43), "b".repeat(43)]) {
      await expect(ChatUser.connect(chat.url, { token })).rejects.toMatchObject({
        code: ErrorCode.SESSION_EXPIRED,
      });
    }
    const after = await scrape();
    const moved = (code: ErrorCode) =>
      sampleValue(after, "chat_handshake_refusals_total", { code }) -
      sampleValue(before, "chat_handshake_refusals_total", { code });
    expect([ErrorCode.NAME_TAKEN, ErrorCode.NAME_INVALID, ErrorCode.SESSION_EXPIRED].map(moved)).toEqual([
      1, 1, 2,
    ]);
  });

  it("counts every refusal of a rate limit, as the refused client sees them", async () => {
    const flooder = await users.login("Flood");
    const acks = await Promise.all(Array.from({ length: 30 }, (_, i) => flooder.send(null, `flood ${i}`)));
    const refused = acks.filter((ack) => !ack.ok && ack.error.code === ErrorCode.RATE_LIMITED).length;
    expect(refused).toBeGreaterThanOrEqual(20);
    const samples = await scrape();
    expect(sampleValue(samples, "chat_rate_limited_total", { limit: "messages" })).toBe(refused);
    expect(
      sampleValue(samples, "chat_acks_total", { event: "message:send", result: ErrorCode.RATE_LIMITED }),
    ).toBe(refused);
  });
});
