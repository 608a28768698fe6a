import { defineStore } from "pinia";
import { ref } from "vue";
import { type ConversationId, conversationId, type Peer } from "./conversation";

/**
 * queued: waiting for a connection. sending: emitted, waiting for the ack. failed: the server refused it or
 * never answered while connected; the user decides whether to retry.
 */
type OutgoingState = "queued" | "sending" | "failed";

/** 128 random bits; getRandomValues, unlike randomUUID, also works on plain-http origins other than localhost. */
function newClientId(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (byte) =>
    byte.toString(16).padStart(2, "0"),
  ).join("");
}

export interface OutgoingMessage {
  /** The idempotency key: every retry of this message reuses it, so the server stores it at most once. */
  clientId: string;
  /** null: the group chat. Only this identity may receive it, never a later holder of its name. */
  to: Peer | null;
  text: string;
  createdAt: number;
  state: OutgoingState;
  /** Why it failed, in words. */
  failure?: string;
}

/** My sends that the server has not acknowledged yet, oldest first; they survive reconnects and reloads. */
export const useOutbox = defineStore("outbox", () => {
  const entries = ref<OutgoingMessage[]>([]);

  function add(to: Peer | null, text: string): OutgoingMessage {
    entries.value.push({ clientId: newClientId(), to, text, createdAt: Date.now(), state: "queued" });
    return entries.value[entries.value.length - 1] as OutgoingMessage;
  }

  function find(clientId: string): OutgoingMessage | undefined {
    return entries.value.find((entry) => entry.clientId === clientId);
  }

  function setState(clientId: string, state: OutgoingState, failure?: string): void {
    const entry = find(clientId);
    if (!entry) return;
    entry.state = state;
    entry.failure = failure;
  }

  /**
   * The message leaves the outbox: the server has it (acked, or seen coming back from another tab or from
   * `sync`), or the user discarded it.
   */
  function remove(clientId: string): void {
    entries.value = entries.value.filter((entry) => entry.clientId !== clientId);
  }

  function inConversation(id: ConversationId): OutgoingMessage[] {
    return entries.value.filter((entry) => conversationId(entry.to) === id);
  }

  function restore(saved: OutgoingMessage[]): void {
    entries.value = saved.map((entry) => (entry.state === "sending" ? { ...entry, state: "queued" } : entry));
  }

  function clear(): void {
    entries.value = [];
  }

  return { entries, add, find, setState, remove, inConversation, restore, clear };
});
