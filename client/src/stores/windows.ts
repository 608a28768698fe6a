import { defineStore } from "pinia";
import { computed, ref } from "vue";
import { type ConversationId, conversationId, GROUP_CONVERSATION, type Peer } from "./conversation";

/** How many closed conversations are remembered: enough to find one again, not a directory of everyone. */
const CLOSED_KEPT = 20;

/** Which private conversation windows are open, in the order they were opened, and which were closed. */
export const useWindows = defineStore("windows", () => {
  const open = ref<Peer[]>([]);
  /**
   * Private conversations closed in this tab, the latest first: the way back to one whose peer is no
   * longer in the online list (see OnlineList).
   */
  const closed = ref<Peer[]>([]);
  /**
   * Every private conversation the tab keeps, open then closed: whose drafts are saved across a reload
   * and listed when the session ends. Bounded, since the closed ones are.
   */
  const kept = computed(() => [...open.value, ...closed.value]);
  /** The conversation whose window has the keyboard focus: messages arriving there are read at once. */
  const focused = ref<ConversationId | null>(null);
  /** The window to come into view and take the keyboard focus: one chosen in the online list, or the group's. */
  const focusRequest = ref<ConversationId | null>(null);
  /**
   * Open windows shown as their title bar only, out of the group chat's way: their messages, draft and scroll
   * position stay, and their new messages are counted unread until they are shown again.
   */
  const minimised = ref<ConversationId[]>([]);

  /**
   * Whether the reader sees this conversation's new messages as they arrive: the page is visible and,
   * for a private conversation, its window has the focus (the group's is always on the page).
   */
  function sees(id: ConversationId): boolean {
    if (globalThis.document?.visibilityState === "hidden") return false;
    return id === GROUP_CONVERSATION || (focused.value === id && !isMinimised(id));
  }

  /**
   * Brings this conversation's window into view with the keyboard in it, once it is on the page: shown whole,
   * if it was minimised (chosen in the online list or the dock's strip, or a notification clicked).
   */
  function requestFocus(id: ConversationId): void {
    expand(id);
    focusRequest.value = id;
  }

  /** The window asked for has the focus now (or there is none to give it). */
  function focusGiven(): void {
    focusRequest.value = null;
  }

  function focusIn(id: ConversationId): void {
    focused.value = id;
  }

  function focusOut(id: ConversationId): void {
    if (focused.value === id) focused.value = null;
  }

  function isMinimised(id: ConversationId): boolean {
    return minimised.value.includes(id);
  }

  function minimise(id: ConversationId): void {
    if (!isMinimised(id)) minimised.value.push(id);
  }

  function expand(id: ConversationId): void {
    if (isMinimised(id)) minimised.value = minimised.value.filter((other) => other !== id);
  }

  function isOpen(peer: Peer): boolean {
    return open.value.some(({ id }) => id === peer.id);
  }

  /** Opens the window (once); true when it was not open before. */
  function show(peer: Peer): boolean {
    if (isOpen(peer)) return false;
    open.value.push(peer);
    closed.value = closed.value.filter(({ id }) => id !== peer.id);
    return true;
  }

  /** Closed, it opens again whole. */
  function close(peer: Peer): void {
    expand(conversationId(peer));
    open.value = open.value.filter(({ id }) => id !== peer.id);
    closed.value = [peer, ...closed.value.filter(({ id }) => id !== peer.id)].slice(0, CLOSED_KEPT);
  }

  /** `minimisedIds`: conversation ids, of which those of open windows are kept. */
  function restore(openPeers: Peer[], closedPeers: Peer[], minimisedIds: ConversationId[] = []): void {
    open.value = [...openPeers];
    closed.value = [...closedPeers];
    minimised.value = minimisedIds.filter((id) => openPeers.some((peer) => conversationId(peer) === id));
  }

  function clear(): void {
    open.value = [];
    closed.value = [];
    minimised.value = [];
  }

  return {
    open,
    closed,
    kept,
    focused,
    focusRequest,
    minimised,
    sees,
    requestFocus,
    focusGiven,
    focusIn,
    focusOut,
    isMinimised,
    minimise,
    expand,
    isOpen,
    show,
    close,
    restore,
    clear,
  };
});
