import { describe, expect, it } from "vitest";
import { ParsedMessages } from "./parsed-messages.js";

const stored = (text: string) =>
  JSON.stringify({ from: "ann", fromId: "a1", to: null, toId: null, text, sentAt: 1, clientId: "c" });

describe("ParsedMessages", () => {
  it("parses a message once and hands the same one out while its id keeps its JSON", () => {
    const parsed = new ParsedMessages(2);
    const first = parsed.get(7, stored("hello"));
    expect(first).toMatchObject({ id: 7, from: "ann", text: "hello" });
    expect(parsed.get(7, stored("hello"))).toBe(first);
  });

  it("parses anew when an id names another message, as after Redis lost its data", () => {
    const parsed = new ParsedMessages(2);
    parsed.get(7, stored("before the loss"));
    expect(parsed.get(7, stored("after the loss")).text).toBe("after the loss");
  });

  it("forgets the message kept longest once it holds more than it may", () => {
    const parsed = new ParsedMessages(2);
    const one = parsed.get(1, stored("one"));
    const two = parsed.get(2, stored("two"));
    parsed.get(3, stored("three"));
    expect(parsed.get(2, stored("two"))).toBe(two);
    expect(parsed.get(1, stored("one"))).not.toBe(one);
  });
});
