import { nameKey } from "@chat/shared";
import { defineStore } from "pinia";
import { computed, ref } from "vue";

/**
 * signed-out: the login view. joining: a login is on its way. connected: live. reconnecting: the link dropped
 * and socket.io is retrying with the token; the user keeps chatting and sends wait in the outbox.
 */
export type ConnectionStatus = "signed-out" | "joining" | "connected" | "reconnecting";

/** Who I am, how the link is doing, and how far I have read the server's message sequence. */
export const useSession = defineStore("session", () => {
  const name = ref<string | null>(null);
  /** The resume secret. Kept for reconnects and reloads; never shown, logged or sent anywhere but `auth`. */
  const token = ref<string | null>(null);
  const status = ref<ConnectionStatus>("signed-out");
  const reconnectAttempt = ref(0);
  /** Why the user is looking at the login view, or what went wrong joining; words, not codes. */
  const notice = ref<string | null>(null);
  /**
   * The newest message id received live, in an ack or from `sync`: a reconnect that the server could not
   * recover asks `sync` for everything after it. History pages do not move it, because an older page of one
   * conversation says nothing about the others.
   */
  const newestId = ref<number | null>(null);

  const signedIn = computed(() => token.value !== null);

  function isMe(other: string): boolean {
    return name.value !== null && nameKey(other) === nameKey(name.value);
  }

  function joining(): void {
    status.value = "joining";
    notice.value = null;
  }

  function established(session: { name: string; token: string }): void {
    name.value = session.name;
    token.value = session.token;
  }

  function connected(): void {
    status.value = "connected";
    reconnectAttempt.value = 0;
  }

  function reconnecting(attempt: number): void {
    status.value = "reconnecting";
    reconnectAttempt.value = attempt;
  }

  function advance(id: number): void {
    if (newestId.value === null || id > newestId.value) newestId.value = id;
  }

  /** Back to the login view, with a reason to show there (or none after a deliberate logout). */
  function signedOut(reason: string | null): void {
    name.value = null;
    token.value = null;
    newestId.value = null;
    status.value = "signed-out";
    reconnectAttempt.value = 0;
    notice.value = reason;
  }

  return {
    name,
    token,
    status,
    reconnectAttempt,
    notice,
    newestId,
    signedIn,
    isMe,
    joining,
    established,
    connected,
    reconnecting,
    advance,
    signedOut,
  };
});
