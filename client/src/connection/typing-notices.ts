import { CLIENT_EVENTS, LIMITS } from "@chat/shared";
import type { Peer } from "../stores/conversation";
import type { ChatSocket } from "./socket";

/** Tells peers that the user is writing to them: one notice per peer at most every LIMITS.typingNoticeEveryMs. */
export class TypingNotices {
  /** When each peer (by identity) was last told. */
  private readonly lastSent = new Map<string, number>();

  constructor(private readonly socket: ChatSocket) {}

  writing(peer: Peer): void {
    const now = Date.now();
    const last = this.lastSent.get(peer.id);
    if (!this.socket.connected || (last !== undefined && now - last < LIMITS.typingNoticeEveryMs)) return;
    this.lastSent.set(peer.id, now);
    // Passing news: whatever the answer, there is nothing to retry. The ack is there because the server
    // ignores a request without one.
    this.socket.emit(CLIENT_EVENTS.typing, { to: peer.name, toId: peer.id }, () => {});
  }

  /** The message went: the peer's notice ends with it, so the next keystroke tells them again at once. */
  sent(peer: Peer): void {
    this.lastSent.delete(peer.id);
  }

  clear(): void {
    this.lastSent.clear();
  }
}
