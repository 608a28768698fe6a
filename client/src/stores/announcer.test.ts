import type { ChatMessage } from "@chat/shared";
import { createPinia, setActivePinia } from "pinia";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { GROUP_TOLD_EVERY_MS, useAnnouncer } from "./announcer";

let nextId = 1;
const groupMessage = (from: string, text: string): ChatMessage => ({
  id: nextId++,
  from,
  fromId: `${from}-id`,
  to: null,
  toId: null,
  text,
  sentAt: 0,
  clientId: `c${nextId}`,
});
const privateMessage = (from: string, text: string): ChatMessage => ({
  ...groupMessage(from, text),
  to: "Ann",
  toId: "ann-id",
});

beforeEach(() => {
  setActivePinia(createPinia());
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const said = () => useAnnouncer().said.map(({ text }) => text);

describe("what a screen reader is told of arriving messages", () => {
  it("reads every group message to a reader in the group's window", () => {
    const announcer = useAnnouncer();
    for (let i = 0; i < 3; i++) announcer.arrived(groupMessage("Bob", `hi ${i}`), true);
    expect(said()).toEqual(["Bob: hi 0", "Bob: hi 1", "Bob: hi 2"]);
  });

  it("reads a busy group chat to a reader elsewhere once, then counts the rest in a line every few seconds", () => {
    const announcer = useAnnouncer();
    for (let i = 0; i < 4; i++) announcer.arrived(groupMessage("Bob", `burst ${i}`), false);
    expect(said()).toEqual(["Bob: burst 0"]);
    vi.advanceTimersByTime(GROUP_TOLD_EVERY_MS);
    expect(said()).toEqual(["Bob: burst 0", "3 more messages in Everyone"]);
    // Still busy: the next line waits its turn, whatever comes meanwhile.
    announcer.arrived(groupMessage("Cid", "one more"), false);
    expect(said()).toHaveLength(2);
    vi.advanceTimersByTime(GROUP_TOLD_EVERY_MS);
    expect(said().at(-1)).toBe("1 more message in Everyone");
    // Quiet for a while: the next message is read in full again.
    vi.advanceTimersByTime(GROUP_TOLD_EVERY_MS);
    announcer.arrived(groupMessage("Dee", "after a pause"), false);
    expect(said().at(-1)).toBe("Dee: after a pause");
  });

  it("reads every private message, wherever the reader is, between the lines about the group", () => {
    const announcer = useAnnouncer();
    announcer.arrived(groupMessage("Bob", "to all"), false);
    announcer.arrived(groupMessage("Bob", "to all again"), false);
    announcer.arrived(privateMessage("Cid", "just you"), false);
    announcer.arrived(privateMessage("Cid", "and again"), false);
    expect(said()).toEqual(["Bob: to all", "Cid, privately: just you", "Cid, privately: and again"]);
  });

  it("forgets what it held when the session ends", () => {
    const announcer = useAnnouncer();
    announcer.arrived(groupMessage("Bob", "first"), false);
    announcer.arrived(groupMessage("Bob", "held"), false);
    announcer.clear();
    vi.advanceTimersByTime(GROUP_TOLD_EVERY_MS);
    expect(said()).toEqual([]);
  });
});
