import { type ChatMessage, LIMITS, type UserSummary } from "@chat/shared";
import { defineStore, type Pinia } from "pinia";
import { computed, ref, toRaw } from "vue";

/**
 * The other party of a private conversation: one identity, with the name it holds. A name freed and taken
 * again is someone else, with a conversation of their own.
 */
export type Peer = UserSummary;

/** "group" for the group chat, "private:<user id>" for my conversation with one other identity. */
export type ConversationId = string;

export const GROUP_CONVERSATION: ConversationId = "group";

export function conversationId(peer: Peer | null): ConversationId {
  return peer === null ? GROUP_CONVERSATION : `private:${peer.id}`;
}

/** The other party of a message as I see it: null for the group, else the identity that is not mine. */
export function peerOf(message: ChatMessage, myId: string): Peer | null {
  if (message.to === null || message.toId === null) return null;
  return message.fromId === myId
    ? { name: message.to, id: message.toId }
    : { name: message.from, id: message.fromId };
}

/**
 * Messages a conversation holds, the newest, once the oldest go (see arrive): a tab open for days in a busy
 * chat would otherwise hold every message of it. Scrolling to the top loads them again.
 */
export const MESSAGES_KEPT = 10_000;
/** Past this many, the oldest go, down to MESSAGES_KEPT: once per 2,000 messages, not for each. */
const MESSAGES_HELD_MAX = 12_000;

/** Two lists in id order as one, each id once; `added`: the messages of `page` that were not in `held`. */
function mergedById(
  held: readonly ChatMessage[],
  page: readonly ChatMessage[],
): { merged: ChatMessage[]; added: ChatMessage[] } {
  const merged: ChatMessage[] = [];
  const added: ChatMessage[] = [];
  let [h, p] = [0, 0];
  while (h < held.length || p < page.length) {
    const [mine, theirs] = [held[h], page[p]];
    if (theirs === undefined || (mine !== undefined && mine.id < theirs.id)) {
      merged.push(mine as ChatMessage);
      h++;
    } else if (mine === undefined || theirs.id < mine.id) {
      merged.push(theirs);
      added.push(theirs);
      p++;
    } else {
      merged.push(mine);
      h++;
      p++;
    }
  }
  return { merged, added };
}

/** Every conversation store made so far, so that logging out can drop them all. */
const created = new Map<ConversationId, Peer | null>();

/**
 * One conversation's messages, in id order and each id once, however it arrived: live, in an ack, from `sync`
 * after a reconnect or from a history page. `peer` is null for the group chat. `pinia`: the active one when
 * not given.
 */
export function useConversation(peer: Peer | null, pinia?: Pinia) {
  const id = conversationId(peer);
  if (!created.has(id)) created.set(id, peer);
  return defineStore(`conversation:${id}`, () => {
    const messages = ref<ChatMessage[]>([]);
    /**
     * One entry per unread message: its id, or for those counted before a reload, the newest id
     * among them (their own ids were not kept). What lets a read up to an id clear just those at or below it.
     */
    const unreadUpTo = ref<number[]>([]);
    const unread = computed(() => unreadUpTo.value.length);
    /** The newest id an unread message may have: what a reload keeps, with the count. */
    const newestUnread = computed(() =>
      unreadUpTo.value.reduce<number | null>((newest, id) => Math.max(newest ?? id, id), null),
    );
    /** The newest message this tab showed the reader here: another tab of the identity may clear up to it. */
    const readHere = ref<number | null>(null);
    /** Read up to this id in another tab: such a message arriving here late is not new to the reader. */
    let readElsewhere = 0;
    /**
     * The first message that came while I was not looking: a line marks where they begin, also once I read
     * them, until I write here or more come after I read.
     */
    const newSince = ref<number | null>(null);
    /** What is typed in the window's composer and not sent yet: kept when the window closes, and across reloads. */
    const draft = ref("");
    /**
     * The peer is writing to me: until LIMITS.typingShownMs after their last notice, their next message, or
     * their leave.
     */
    const typing = ref(false);
    let typingEnds: ReturnType<typeof setTimeout> | undefined;
    /** Until a history page comes back short, there may be older messages on the server. */
    const olderAvailable = ref(true);
    /**
     * Set by the window's list while the reader is scrolled up, reading back: the oldest messages then stay,
     * or what they read could go from under them.
     */
    const readingBack = ref(false);
    /** Messages older than this id went to keep the conversation small: one arriving live is not held. */
    let heldFrom = 0;
    const historyLoaded = ref(false);
    const loadingHistory = ref(false);
    /**
     * Ids that only a history page has brought so far. A page may hold a message whose live copy is still on
     * its way (the server stores a message before it sends it out): that copy must still count as arriving.
     */
    const onlyFromHistory = new Set<number>();

    /** Inserts the message at its place by id; false when it was already there. */
    function receive(message: ChatMessage): boolean {
      const list = messages.value;
      let index = list.length;
      // Nearly every message is the newest, so walking back from the end is usually a single step.
      while (index > 0 && (list[index - 1] as ChatMessage).id > message.id) index--;
      if (index > 0 && (list[index - 1] as ChatMessage).id === message.id) return false;
      list.splice(index, 0, message);
      return true;
    }

    /**
     * A message that arrived live, in an ack or from `sync`: true the first time such a copy comes, even when a
     * history page already showed it; false for a second copy (a replay, the overlap of a catch-up).
     */
    function arrive(message: ChatMessage): boolean {
      if (message.fromId === peer?.id) stopTyping();
      // Held, it would sit above a gap of the messages that went; paging back brings it with them.
      if (message.id < heldFrom) return false;
      const arrived = receive(message) || onlyFromHistory.delete(message.id);
      // Not while an older page is on its way either: it would land above the gap the oldest left.
      const held = messages.value.length;
      if (held > MESSAGES_HELD_MAX && !readingBack.value && !loadingHistory.value) dropOldest();
      return arrived;
    }

    function dropOldest(): void {
      // A new array, not a splice: shifting 10,000 entries through Vue's proxy triggers each of them.
      const held = toRaw(messages.value);
      const dropped = held.slice(0, held.length - MESSAGES_KEPT);
      messages.value = held.slice(held.length - MESSAGES_KEPT);
      for (const { id } of dropped) onlyFromHistory.delete(id);
      heldFrom = messages.value[0]?.id ?? heldFrom;
      olderAvailable.value = true;
    }

    /** A `typing` notice from the peer. */
    function peerTyping(): void {
      typing.value = true;
      clearTimeout(typingEnds);
      typingEnds = setTimeout(stopTyping, LIMITS.typingShownMs);
    }

    function stopTyping(): void {
      clearTimeout(typingEnds);
      typing.value = false;
    }

    /** A history page (oldest first); a short page means the beginning of the conversation was reached. */
    function receiveHistory(page: ChatMessage[], limit: number = LIMITS.historyPageDefault): void {
      // Merged into a new array in one pass: inserting each message at the top through Vue's proxy walked
      // and shifted every message held, 0.7 s of the main thread a page at 11,500 held.
      const { merged, added } = mergedById(toRaw(messages.value), page);
      if (added.length > 0) messages.value = merged;
      for (const { id } of added) onlyFromHistory.add(id);
      if (page.length < limit) olderAvailable.value = false;
      historyLoaded.value = true;
    }

    /** Counts the message unread, unless another tab has shown it already; true when it counted. */
    function markUnread(message: ChatMessage): boolean {
      if (message.id <= readElsewhere) return false;
      if (unread.value === 0) newSince.value = message.id;
      unreadUpTo.value.push(message.id);
      return true;
    }

    /** I wrote here: what came before my message is answered, not new. */
    function wroteHere(): void {
      newSince.value = null;
    }

    function markRead(): void {
      // Called for every message that arrives in view: a new empty list each time would wake every watcher.
      if (unreadUpTo.value.length > 0) unreadUpTo.value = [];
      const newest = messages.value[messages.value.length - 1]?.id;
      if (newest !== undefined && newest > (readHere.value ?? 0)) readHere.value = newest;
    }

    /**
     * Another tab of my identity showed the reader everything here up to `upTo`: what is counted at or below it
     * is read, what came later stays unread. The "New messages" line stays where it was, as after a read here.
     */
    function readInAnotherTab(upTo: number): void {
      readElsewhere = Math.max(readElsewhere, upTo);
      unreadUpTo.value = unreadUpTo.value.filter((id) => id > upTo);
    }

    function setDraft(text: string): void {
      draft.value = text;
    }

    /**
     * What was saved before a reload. `newestUnread`: the newest id among the unread; a reload from a build
     * that did not keep it leaves them to be read here, whatever another tab reads.
     */
    function restore(saved: { unread: number; newestUnread: number | null; draft: string }): void {
      const upTo = saved.newestUnread ?? Number.MAX_SAFE_INTEGER;
      unreadUpTo.value = Array.from({ length: saved.unread }, () => upTo);
      draft.value = saved.draft;
    }

    /** Runs `load` with loadingHistory on, one at a time: a request while another is under way is dropped. */
    async function loadingHistoryWhile(load: () => Promise<void>): Promise<void> {
      if (loadingHistory.value) return;
      loadingHistory.value = true;
      try {
        await load();
      } finally {
        loadingHistory.value = false;
      }
    }

    return {
      peer,
      messages,
      unread,
      newestUnread,
      readHere,
      newSince,
      draft,
      typing,
      olderAvailable,
      readingBack,
      historyLoaded,
      loadingHistory,
      arrive,
      receiveHistory,
      markUnread,
      wroteHere,
      peerTyping,
      stopTyping,
      markRead,
      readInAnotherTab,
      setDraft,
      restore,
      loadingHistoryWhile,
    };
  })(pinia);
}

/** The conversation with `peer` if there is one, without making one for everyone who comes and goes. */
export function existingConversation(peer: Peer) {
  return created.has(conversationId(peer)) ? useConversation(peer) : null;
}

/**
 * Forgets every conversation: the next login starts from an empty page. A disposed store's state stays in
 * its Pinia, and a store made again would start from it, so it is deleted there too: hence the Pinia.
 */
export function disposeConversations(pinia: Pinia): void {
  for (const [id, peer] of created) {
    useConversation(peer, pinia).$dispose();
    delete pinia.state.value[`conversation:${id}`];
  }
  created.clear();
}
