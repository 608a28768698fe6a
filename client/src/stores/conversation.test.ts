import { createPinia, type Pinia, setActivePinia } from "pinia";
import { beforeEach, describe, expect, it } from "vitest";
import { chatMessage } from "../test-support/messages";
import { conversationId, disposeConversations, MESSAGES_KEPT, peerOf, useConversation } from "./conversation";

const alice = { name: "Alice", id: "alice-1" };
const bob = { name: "Bob", id: "bob-1" };

const message = (id: number, from = bob, to: typeof bob | null = null) => chatMessage(id, from, to);

let pinia: Pinia;
beforeEach(() => {
  pinia = createPinia();
  setActivePinia(pinia);
});

describe("a conversation store", () => {
  it("keeps messages in id order and each id once, whatever order and how often they arrive", () => {
    const group = useConversation(null);
    for (const id of [5, 3, 9, 3, 5, 1, 9, 7]) group.arrive(message(id));
    expect(group.messages.map((m) => m.id)).toEqual([1, 3, 5, 7, 9]);
  });

  it("lets its oldest messages go in a long session, unless the reader is reading back, and pages them back in", () => {
    const group = useConversation(null);
    group.receiveHistory([message(1)], 50);
    expect(group.olderAvailable).toBe(false);
    group.readingBack = true;
    for (let id = 2; id <= 12_001; id++) group.arrive(message(id));
    expect(group.messages).toHaveLength(12_001);

    group.readingBack = false;
    group.arrive(message(12_002));
    expect(group.messages).toHaveLength(MESSAGES_KEPT);
    expect(group.messages[0]?.id).toBe(12_002 - MESSAGES_KEPT + 1);
    expect(group.olderAvailable).toBe(true);
    // One of those gone, arriving again live, is not held above the gap; a history page brings it back.
    expect(group.arrive(message(5))).toBe(false);
    expect(group.messages[0]?.id).toBe(2_003);
    group.receiveHistory([message(2_001), message(2_002)], 2);
    expect(group.messages.slice(0, 3).map((m) => m.id)).toEqual([2_001, 2_002, 2_003]);
  });

  it("lets none of its oldest go while an older page is on its way, which would land above the gap", async () => {
    const group = useConversation(null);
    let answer = () => {};
    const loading = group.loadingHistoryWhile(() => new Promise<void>((resolve) => (answer = resolve)));
    for (let id = 1; id <= 12_001; id++) group.arrive(message(id));
    expect(group.messages).toHaveLength(12_001);
    answer();
    await loading;
    group.arrive(message(12_002));
    expect(group.messages).toHaveLength(MESSAGES_KEPT);
  });

  it("says whether a message was new, so a copy from sync or a replay changes nothing", () => {
    const group = useConversation(null);
    expect(group.arrive(message(1))).toBe(true);
    expect(group.arrive(message(1))).toBe(false);
  });

  it("merges a history page with what arrived live and stops offering older pages after a short page", () => {
    const group = useConversation(null);
    group.arrive(message(10));
    group.receiveHistory([message(8), message(9), message(10)], 3);
    expect(group.olderAvailable).toBe(true);
    group.receiveHistory([message(7)], 3);
    expect(group.messages.map((m) => m.id)).toEqual([7, 8, 9, 10]);
    expect(group.olderAvailable).toBe(false);
    expect(group.historyLoaded).toBe(true);
  });

  it("lets the live copy of a message a history page brought first arrive once, so it can still be counted", () => {
    const conversation = useConversation(bob);
    expect(conversation.arrive(message(1, bob, alice))).toBe(true);
    // The page was read after message 2 was stored but before its live copy went out.
    conversation.receiveHistory([message(1, bob, alice), message(2, bob, alice)]);
    expect(conversation.arrive(message(2, bob, alice))).toBe(true);
    expect(conversation.arrive(message(2, bob, alice))).toBe(false);
    expect(conversation.arrive(message(1, bob, alice))).toBe(false);
    expect(conversation.messages.map((m) => m.id)).toEqual([1, 2]);
  });

  it("is one store per identity: a later holder of a name has a conversation of their own", () => {
    const laterBob = { name: "Bob", id: "bob-2" };
    expect(useConversation(bob)).toBe(useConversation({ ...bob }));
    expect(useConversation(laterBob)).not.toBe(useConversation(bob));
    expect(useConversation(bob)).not.toBe(useConversation(null));
    expect(conversationId(null)).toBe("group");
  });

  it("starts empty again after the conversations are disposed (a logout)", () => {
    useConversation(bob).arrive(message(1, bob, alice));
    disposeConversations(pinia);
    expect(useConversation(bob).messages).toEqual([]);
  });
});

describe("a conversation read in another tab of my identity", () => {
  it("clears what is unread up to the id read there, keeps what came after, and keeps the new-messages line", () => {
    const group = useConversation(null);
    for (const id of [3, 4, 5]) group.markUnread(message(id));
    group.readInAnotherTab(4);
    expect(group.unread).toBe(1);
    expect(group.newSince).toBe(3);
  });

  it("does not count a message that the other tab showed before it reached this one", () => {
    const group = useConversation(null);
    group.readInAnotherTab(6);
    expect(group.markUnread(message(6))).toBe(false);
    expect(group.markUnread(message(7))).toBe(true);
    expect(group.unread).toBe(1);
  });

  it("clears counts kept across a reload once read past their newest, and never when that is not known", () => {
    const group = useConversation(null);
    const other = useConversation(bob);
    group.restore({ unread: 2, newestUnread: 9, draft: "" });
    other.restore({ unread: 2, newestUnread: null, draft: "" });
    group.readInAnotherTab(8);
    expect(group.unread).toBe(2);
    group.readInAnotherTab(9);
    other.readInAnotherTab(1_000);
    expect([group.unread, other.unread]).toEqual([0, 2]);
  });

  it("tells how far the reader read here: the newest message at the time", () => {
    const group = useConversation(null);
    expect(group.readHere).toBeNull();
    for (const id of [1, 2]) group.arrive(message(id));
    group.markRead();
    expect(group.readHere).toBe(2);
  });
});

describe("the other party of a message", () => {
  it("is nobody for the group, the recipient for what I sent and the sender for what I got", () => {
    expect(peerOf(message(1, bob, null), alice.id)).toBeNull();
    expect(peerOf(message(2, alice, bob), alice.id)).toEqual(bob);
    expect(peerOf(message(3, bob, alice), alice.id)).toEqual(bob);
  });

  it("is the identity, not the name: my name's earlier holder is someone else to me", () => {
    const earlierAlice = { name: "Alice", id: "alice-0" };
    expect(peerOf(message(4, earlierAlice, bob), alice.id)).toEqual(earlierAlice);
  });
});
