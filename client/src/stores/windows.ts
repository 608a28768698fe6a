import { nameKey } from "@chat/shared";
import { defineStore } from "pinia";
import { ref } from "vue";
import { type ConversationId, GROUP_CONVERSATION } from "./conversation";

/** Which private conversation windows are open, in the order they were opened. */
export const useWindows = defineStore("windows", () => {
  const open = ref<string[]>([]);
  /** The conversation whose window has the keyboard focus: messages arriving there are read at once. */
  const focused = ref<ConversationId | null>(null);
  /** The window to come into view and take the keyboard focus: one chosen in the online list, or the group's. */
  const focusRequest = ref<ConversationId | null>(null);

  /**
   * Whether the reader sees this conversation's new messages as they arrive: the page is visible and,
   * for a private conversation, its window has the focus (the group's is always on the page).
   */
  function sees(id: ConversationId): boolean {
    if (globalThis.document?.visibilityState === "hidden") return false;
    return id === GROUP_CONVERSATION || focused.value === id;
  }

  function isOpen(peer: string): boolean {
    return open.value.some((name) => nameKey(name) === nameKey(peer));
  }

  /** Opens the window (once); true when it was not open before. */
  function show(peer: string): boolean {
    if (isOpen(peer)) return false;
    open.value.push(peer);
    return true;
  }

  function close(peer: string): void {
    open.value = open.value.filter((name) => nameKey(name) !== nameKey(peer));
  }

  function restore(peers: string[]): void {
    open.value = [...peers];
  }

  function clear(): void {
    open.value = [];
  }

  return { open, focused, focusRequest, sees, isOpen, show, close, restore, clear };
});
