import type { ChatMessage } from "@chat/shared";
import { useAnnouncer } from "../stores/announcer";
import { useCatchUp } from "../stores/catch-up";
import { conversationId, type Peer, peerOf, useConversation } from "../stores/conversation";
import { useOutbox } from "../stores/outbox";
import { usePresenceLines } from "../stores/presence-lines";
import { useSession } from "../stores/session";
import { useWindows } from "../stores/windows";
import { notifyWhileHidden } from "./desktop-notifications";

/** Where an arriving message goes: into its conversation once, its window opened, read or counted unread. */
export class Inbox {
  private readonly session = useSession();
  private readonly catchUp = useCatchUp();
  private readonly presenceLines = usePresenceLines();
  private readonly outbox = useOutbox();
  private readonly windows = useWindows();
  private readonly announcer = useAnnouncer();

  /** `open`: shows the private window with a peer, loading its history. */
  constructor(private readonly open: (peer: Peer) => void) {}

  /** A message that arrived live or in an ack. */
  receive(message: ChatMessage): void {
    this.catchUp.seen(message.id);
    this.presenceLines.messageArrived(message);
    if (!this.file(message) || this.session.wrote(message)) return;
    const conversation = conversationId(peerOf(message, this.session.id ?? ""));
    this.announcer.arrived(message, this.windows.focused === conversation);
  }

  /**
   * Files a message from any source into its conversation, once. `seenBefore`: it came again with the
   * overlap of a catch-up (after a reload, say), or live during a catch-up a reload cut short, so it neither
   * reopens a window the user closed nor counts as unread. Resolves to whether it was new to its conversation.
   */
  file(message: ChatMessage, seenBefore = false): boolean {
    const peer = peerOf(message, this.session.id ?? "");
    const conversation = useConversation(peer);
    // Not receive(): a history page answered in the meantime may hold this message already, uncounted.
    if (!conversation.arrive(message)) return false;
    const mine = this.session.wrote(message);
    // Sent from this tab: its window was open then, and if it is closed now, the user closed it since.
    const sentHere = mine && this.outbox.find(message.clientId) !== undefined;
    if (mine) this.outbox.remove(message.clientId);
    if (seenBefore) return true;
    if (peer !== null && !sentHere) this.open(peer);
    if (mine) conversation.wroteHere();
    // Seen as it arrives: read, in the identity's other tabs too (see read-across-tabs).
    else if (this.windows.sees(conversationId(peer))) conversation.markRead();
    else if (conversation.markUnread(message) && peer !== null) notifyWhileHidden(peer, message);
    return true;
  }
}
