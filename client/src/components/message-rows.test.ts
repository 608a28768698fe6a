import type { ChatMessage } from "@chat/shared";
import { describe, expect, it } from "vitest";
import type { PresenceLine } from "../stores/presence-lines";
import { rowKey, withPresenceLines } from "./message-rows";

const message = (id: number, sentAt: number): ChatMessage => ({
  id,
  from: "Ana",
  fromId: "ana-id",
  to: null,
  toId: null,
  text: `m${id}`,
  sentAt,
  clientId: `c${id}`,
});
const line = (key: number, at: number): PresenceLine => ({
  key,
  at,
  joined: [{ name: "Bo", id: "bo-id" }],
  left: [],
});

describe("the rows of the group chat", () => {
  it("places each line after every message sent up to its moment", () => {
    const messages = [message(1, 100), message(2, 200), message(3, 300), message(4, 400)];
    const rows = withPresenceLines(messages, [line(-1, 50), line(-2, 200), line(-3, 250), line(-4, 900)]);
    expect(rows.map(rowKey)).toEqual([-1, 1, 2, -2, -3, 3, 4, -4]);
  });

  it("is the messages themselves while there is no line", () => {
    const messages = [message(1, 100)];
    expect(withPresenceLines(messages, [])).toBe(messages);
  });
});
