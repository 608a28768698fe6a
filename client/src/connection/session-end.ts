import type { Pinia } from "pinia";
import { useAnnouncer } from "../stores/announcer";
import { useCatchUp } from "../stores/catch-up";
import { disposeConversations, useConversation } from "../stores/conversation";
import { useOutbox } from "../stores/outbox";
import { usePresence } from "../stores/presence";
import { usePresenceLines } from "../stores/presence-lines";
import { type UnsentText, useSession } from "../stores/session";
import { useWindows } from "../stores/windows";
import { closeNotifications } from "./desktop-notifications";

/**
 * A session the server ended, not the user: what this tab could not send is lost with it. The notice says
 * so, with `reason`, and the login view shows those texts and the unfinished drafts, to copy.
 */
export function endedSession(reason: string): { notice: string; lost: UnsentText[] } {
  const messages = useOutbox().entries.map(({ to, text }) => ({ to: to?.name ?? null, text }));
  // Closed windows' too: a closed window keeps its draft, and it is lost with the session all the same.
  const drafts = [null, ...useWindows().kept]
    .map((peer) => ({ to: peer?.name ?? null, text: useConversation(peer).draft }))
    .filter(({ text }) => text.trim());
  const lost = [counted(messages.length, "message"), counted(drafts.length, "draft")].filter(Boolean);
  const notice = lost.length === 0 ? reason : `${reason} Not sent: ${lost.join(" and ")}, below to copy.`;
  return { notice, lost: [...messages, ...drafts] };
}

/** Every store forgets the session: the login view is next, with `notice` and the `lost` texts. */
export function forgetSession(pinia: Pinia, notice: string | null, lost: readonly UnsentText[]): void {
  useSession().signedOut(notice, { lost });
  useCatchUp().reset();
  useOutbox().clear();
  closeNotifications();
  useAnnouncer().clear();
  useWindows().clear();
  usePresence().reset([]);
  usePresenceLines().clear();
  disposeConversations(pinia);
}

/** "1 message", "2 drafts"; none is "". */
function counted(count: number, thing: string): string {
  if (count === 0) return "";
  return `${count} ${thing}${count === 1 ? "" : "s"}`;
}
