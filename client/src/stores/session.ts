import type { ChatMessage } from "@chat/shared";
import { defineStore } from "pinia";
import { computed, ref } from "vue";

/**
 * signed-out: the login view. joining: a login is on its way, until its session arrives (a connection lost
 * meanwhile is the login retried, still joining, and a refusal then is the login's). connected: live.
 * reconnecting: the link dropped and socket.io is retrying with the token; the user keeps chatting and
 * sends wait in the outbox.
 */
export type ConnectionStatus = "signed-out" | "joining" | "connected" | "reconnecting";

/** A login by name, with the token the client made for it (see HandshakeAuth). */
export interface PendingLogin {
  name: string;
  newToken: string;
}

/** A message or draft lost with a session, and whom it was for: a name, or null for the group. */
export interface UnsentText {
  to: string | null;
  text: string;
}

/** Who I am, and how the link is doing. */
export const useSession = defineStore("session", () => {
  const name = ref<string | null>(null);
  /** The name of the last login, offered again on the login view. */
  const lastName = ref("");
  /** My identity: what tells my messages from those of an earlier holder of my name. */
  const id = ref<string | null>(null);
  /** The resume secret. Kept for reconnects and reloads; never shown, logged or sent anywhere but `auth`. */
  const token = ref<string | null>(null);
  const status = ref<ConnectionStatus>("signed-out");
  const reconnectAttempt = ref(0);
  /** Why the user is looking at the login view, or what went wrong joining; words, not codes. */
  const notice = ref<string | null>(null);
  /** The notice is the server's refusal of the name typed (taken, or not allowed): the name is what to fix. */
  const nameRefused = ref(false);
  /**
   * The login under way, or the last one that had no answer: tried again under the same name, it goes with
   * the same token, so that it resumes what an earlier try made should that have got through.
   */
  const pendingLogin = ref<PendingLogin | null>(null);
  /** What the tab could not send before the server ended its session: shown, so it can be copied. */
  const unsent = ref<readonly UnsentText[]>([]);
  const signedIn = computed(() => token.value !== null);

  /** Whether this login wrote the message, not someone who had the name before. */
  function wrote(message: Pick<ChatMessage, "fromId">): boolean {
    return message.fromId === id.value;
  }

  /** Why the user is waiting or was signed out, in words; null once it is old news (a new name typed). */
  function tell(words: string | null): void {
    notice.value = words;
    nameRefused.value = false;
  }

  function joining(login: PendingLogin): void {
    lastName.value = login.name;
    status.value = "joining";
    notice.value = null;
    nameRefused.value = false;
    pendingLogin.value = login;
  }

  function established(session: { name: string; id: string; token: string }): void {
    pendingLogin.value = null;
    name.value = session.name;
    id.value = session.id;
    token.value = session.token;
    if (status.value === "joining") status.value = "connected";
  }

  /** Connected: live, or for a login, live once its session arrives (`established`). */
  function connected(): void {
    if (status.value !== "joining") status.value = "connected";
    reconnectAttempt.value = 0;
  }

  function reconnecting(attempt: number): void {
    status.value = "reconnecting";
    reconnectAttempt.value = attempt;
  }

  /**
   * Back to the login view, with a reason to show there (or none after a deliberate logout), and the texts
   * of the messages that were lost with the session. `nameRefused`: the reason is the name's refusal.
   */
  function signedOut(
    reason: string | null,
    {
      lost = [],
      nameRefused: refusedName = false,
    }: { lost?: readonly UnsentText[]; nameRefused?: boolean } = {},
  ): void {
    unsent.value = lost;
    lastName.value = name.value ?? lastName.value;
    name.value = null;
    id.value = null;
    token.value = null;
    status.value = "signed-out";
    reconnectAttempt.value = 0;
    notice.value = reason;
    nameRefused.value = refusedName;
  }

  return {
    name,
    lastName,
    id,
    token,
    status,
    reconnectAttempt,
    notice,
    nameRefused,
    pendingLogin,
    unsent,
    signedIn,
    wrote,
    joining,
    established,
    tell,
    connected,
    reconnecting,
    signedOut,
  };
});
