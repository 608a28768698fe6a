import { createPinia, type Pinia } from "pinia";
import { afterEach, describe, expect, it } from "vitest";
import { nextTick } from "vue";
import { type Peer, useConversation } from "../stores/conversation";
import { useSession } from "../stores/session";
import { useWindows } from "../stores/windows";
import { chatMessage } from "../test-support/messages";
import { readChannelName, shareReadsAcrossTabs } from "./read-across-tabs";

const alice = { name: "Alice", id: "alice-1" };
const carol = { name: "Carol", id: "carol-1" };
const bob = { name: "Bob", id: "bob-1" };

const stops: (() => void)[] = [];
afterEach(() => {
  for (const stop of stops.splice(0)) stop();
});

/** What each tab put on the channel, in order. */
let posted: { tab: Pinia; notice: unknown }[] = [];
afterEach(() => {
  posted = [];
});

/** A tab signed in as `me`, with its own Pinia, sharing reads over Node's BroadcastChannel (the browser's). */
function tab(me = alice): Pinia {
  const pinia = createPinia();
  useSession(pinia).established({ ...me, token: `token of ${me.name}` });
  const open = (name: string) => {
    const channel = new BroadcastChannel(name);
    const post = channel.postMessage.bind(channel);
    channel.postMessage = (notice: unknown) => {
      posted.push({ tab: pinia, notice });
      post(notice);
    };
    return channel;
  };
  stops.push(shareReadsAcrossTabs(pinia, open));
  return pinia;
}

/** Messages that came while the tab was hidden: counted unread, as ChatConnection files them. */
function arriveUnread(pinia: Pinia, peer: Peer | null, ids: number[]): void {
  const conversation = useConversation(peer, pinia);
  if (peer !== null) useWindows(pinia).show(peer);
  for (const id of ids) {
    const message = chatMessage(id, bob, peer === null ? null : alice);
    conversation.arrive(message);
    conversation.markUnread(message);
  }
}

describe("reads shared between tabs of one identity", () => {
  it("clears the other tab's count up to what was read, keeping its new-messages line", async () => {
    const [first, second] = [tab(), tab()];
    arriveUnread(first, null, [1, 2]);
    arriveUnread(second, null, [1, 2]);
    useConversation(null, first).markRead();
    const group = useConversation(null, second);
    await expect.poll(() => group.unread).toBe(0);
    expect(group.newSince).toBe(1);
  });

  it("counts what the other tab had not read, and not what it read before it reached this tab", async () => {
    const [first, second] = [tab(), tab()];
    arriveUnread(first, bob, [4, 5]);
    arriveUnread(second, bob, [4]);
    useConversation(bob, first).markRead();
    const conversation = useConversation(bob, second);
    await expect.poll(() => conversation.unread).toBe(0);
    arriveUnread(second, bob, [5, 6]);
    expect(conversation.unread).toBe(1);
  });

  it("leaves tabs signed in as someone else alone, and never puts the token on the channel", async () => {
    const [first, second, other] = [tab(), tab(), tab(carol)];
    for (const pinia of [first, second, other]) arriveUnread(pinia, null, [1]);
    useConversation(null, first).markRead();
    await expect.poll(() => useConversation(null, second).unread).toBe(0);
    expect(useConversation(null, other).unread).toBe(1);
    expect(posted).toEqual([{ tab: first, notice: { peer: null, upTo: 1 } }]);
    expect(readChannelName(alice.id)).not.toContain("token");
  });

  it("ignores a notice whose upTo is no message id, so messages to come still count", async () => {
    const second = tab();
    arriveUnread(second, null, [1]);
    const channel = new BroadcastChannel(readChannelName(alice.id));
    for (const upTo of [Number.POSITIVE_INFINITY, Number.NaN, 1.5]) channel.postMessage({ peer: null, upTo });
    // Heard after the bad ones, in order: once it cleared message 1, they were heard too.
    channel.postMessage({ peer: null, upTo: 1 });
    const group = useConversation(null, second);
    await expect.poll(() => group.unread).toBe(0);
    arriveUnread(second, null, [2, 3]);
    expect(group.unread).toBe(2);
    channel.close();
  });

  it("tells a read once, not again on every click, and not back to the tab it came from", async () => {
    const [first, second] = [tab(), tab()];
    arriveUnread(first, null, [1]);
    arriveUnread(second, null, [1]);
    useConversation(null, first).markRead();
    await expect.poll(() => useConversation(null, second).unread).toBe(0);
    useConversation(null, first).markRead();
    useConversation(null, second).markRead();
    await nextTick();
    expect(posted.map(({ notice }) => notice)).toEqual([{ peer: null, upTo: 1 }]);
  });
});
