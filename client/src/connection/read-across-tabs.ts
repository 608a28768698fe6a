import { MessageIdSchema, UserSummarySchema } from "@chat/shared";
import type { Pinia } from "pinia";
import * as v from "valibot";
import { type WatchStopHandle, watch } from "vue";
import { type ConversationId, conversationId, type Peer, useConversation } from "../stores/conversation";
import { useSession } from "../stores/session";
import { useWindows } from "../stores/windows";

/*
 * Tabs of one identity each count their own unread messages (the server keeps no read state), and a duplicated
 * tab is one: the browser copies its sessionStorage, the login with it (see saved-state.ts). What the reader
 * reads in one tab is read in the others, told over a BroadcastChannel: a browser-local channel, so no protocol
 * or server change. It is named after the identity's id, which every message carries anyway, so that tabs
 * signed in as someone else never hear it; the token never goes on it.
 *
 * A notice says "read up to this id", not "read": a tab that has not received the newer messages yet must
 * still count them when they come.
 */

const ReadNoticeSchema = v.object({
  peer: v.nullable(UserSummarySchema),
  // A message id: "read up to Infinity" would have every message to come arrive read.
  upTo: MessageIdSchema,
});

type ReadNotice = v.InferOutput<typeof ReadNoticeSchema>;

export function readChannelName(identity: string): string {
  return `chat:read:${identity}`;
}

/**
 * From now on, reads in this tab's conversations go to the identity's other tabs, and theirs clear this
 * tab's counts; follows the login as it changes. `pinia`: the tab's own. `open`: the channel, for tests.
 */
export function shareReadsAcrossTabs(
  pinia: Pinia,
  open: (name: string) => BroadcastChannel = (name) => new BroadcastChannel(name),
): WatchStopHandle {
  const session = useSession(pinia);
  const windows = useWindows(pinia);
  /** By conversation, the newest id told to the other tabs or heard from them: no need to tell it again. */
  const shared = new Map<ConversationId, number>();
  let channel: BroadcastChannel | null = null;

  function heard(data: unknown): void {
    const notice = v.safeParse(ReadNoticeSchema, data);
    // Another build of the client, open in another tab during a deploy, may say something else.
    if (!notice.success) return;
    const { peer, upTo } = notice.output;
    const id = conversationId(peer);
    shared.set(id, Math.max(shared.get(id) ?? 0, upTo));
    useConversation(peer, pinia).readInAnotherTab(upTo);
  }

  function tell(peer: Peer | null, upTo: number | null): void {
    const id = conversationId(peer);
    if (channel === null || upTo === null || upTo <= (shared.get(id) ?? 0)) return;
    shared.set(id, upTo);
    // A plain copy: the peer comes from a store, and a reactive proxy cannot be cloned onto the channel.
    const notice: ReadNotice = { peer: peer && { name: peer.name, id: peer.id }, upTo };
    channel.postMessage(notice);
  }

  const stopIdentity = watch(
    () => session.id,
    (identity) => {
      channel?.close();
      channel = null;
      shared.clear();
      // "": a tab restored from a build before identities, until the connection's `session` says who it is.
      if (!identity) return;
      channel = open(readChannelName(identity));
      channel.onmessage = (event) => heard(event.data);
    },
    { immediate: true },
  );
  const stopReads = watch(
    () => [null, ...windows.kept].map((peer) => [peer, useConversation(peer, pinia).readHere] as const),
    (reads) => {
      for (const [peer, upTo] of reads) tell(peer, upTo);
    },
  );
  return () => {
    stopIdentity();
    stopReads();
    channel?.close();
  };
}
