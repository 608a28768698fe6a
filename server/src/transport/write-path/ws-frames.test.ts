import { LIMITS } from "@chat/shared";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ChatUser } from "../../test-support/chat-client.js";
import { type RunningChat, startChat } from "../../test-support/chat-server.js";

// The server frames its replies itself (ws-frames.ts, direct-frames.ts): a real client must read them
// whole at every length encoding of RFC 6455 (7-bit, 16-bit and 64-bit) and with multi-byte text, where
// the byte length is not the string's length.

let chat: RunningChat;
const users: ChatUser[] = [];

beforeEach(async () => {
  chat = await startChat({ limits: { messagesPerSecond: 0 } });
});

afterEach(async () => {
  for (const user of users.splice(0)) user.close();
  await chat.close();
});

describe("replies framed by the server", () => {
  it("reach a WebSocket client whole, short, long and over 64 KiB, in any script", async () => {
    const ann = await ChatUser.login(chat.url, "Ann");
    users.push(ann);
    const longest = (n: number) => `${n}${"🙂".repeat(LIMITS.textMaxLength - 1)}`;
    const texts = ["é", "ü".repeat(100), "日本語".repeat(400), ...[1, 2, 3, 4, 5].map(longest)];
    for (const text of texts) {
      const ack = await ann.send(null, text);
      expect(ack.ok && ack.message.text).toBe(text);
    }
    // Five messages of 16 KB in one frame: past the 16-bit length.
    const page = await ann.history(null, { limit: texts.length });
    expect(page.ok && page.messages.map((m) => m.text)).toEqual(texts);
    expect(Buffer.byteLength(JSON.stringify(page))).toBeGreaterThan(65_536);
  });
});
