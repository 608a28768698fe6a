import {
  CLIENT_EVENTS,
  type ConnectErrorData,
  ErrorCode,
  type HandshakeAuth,
  type OnlineUser,
  type PresenceVersion,
  SERVER_EVENTS,
  SESSION_ENDED,
} from "@chat/shared";
import type { Pinia } from "pinia";
import type { Socket } from "socket.io-client";
import { existingConversation, type Peer, useConversation } from "../stores/conversation";
import { useOutbox } from "../stores/outbox";
import { usePresence } from "../stores/presence";
import { usePresenceLines } from "../stores/presence-lines";
import { type PendingLogin, type UnsentText, useSession } from "../stores/session";
import { useWindows } from "../stores/windows";
import { backfillOnConnect, loadHistory } from "./backfill";
import { Inbox } from "./inbox";
import { Joining } from "./joining";
import { logOutWhenReachable } from "./logout";
import { OutboxSender } from "./outbox-sender";
import { pause } from "./retry";
import { restoreSavedState, type SavedState } from "./saved-state";
import { endedSession, forgetSession } from "./session-end";
import { type ChatSocket, onServerEvent, RECONNECT_DELAY_MAX_MS } from "./socket";
import { TypingNotices } from "./typing-notices";

const RESUME_RETRY_MS = 2_000;

/**
 * Everything the UI asks of the server goes through here, and everything the server says lands in a store here.
 * Listeners are registered once, in the constructor, never inside `connect`: a reconnect must not add a second
 * listener (and a second copy of every message).
 */
export class ChatConnection {
  private readonly session = useSession();
  private readonly presence = usePresence();
  private readonly presenceLines = usePresenceLines();
  private readonly outbox = useOutbox();
  private readonly windows = useWindows();
  private readonly sender: OutboxSender;
  private readonly typingNotices: TypingNotices;
  private readonly joining: Joining;
  private readonly inbox = new Inbox((peer) => this.open(peer));
  /** A logout still on its way to the server (see logOutWhenReachable). */
  private endingSession: Promise<void> | null = null;
  /** The next attempt after a refusal: cancelled on sign-out, or it would bring the session back. */
  private nextAttempt: ReturnType<typeof setTimeout> | undefined;

  private readonly socket: ChatSocket;

  /**
   * `createSocket`: a new, unconnected socket to the server; the tab's own, and one per offline logout.
   * `pinia`: the stores' own, in which a logout forgets the conversations (see disposeConversations).
   */
  constructor(
    private readonly createSocket: () => ChatSocket,
    private readonly pinia: Pinia,
  ) {
    const socket = createSocket();
    this.socket = socket;
    this.sender = new OutboxSender(socket, (message) => this.inbox.receive(message));
    this.typingNotices = new TypingNotices(socket);
    this.joining = new Joining(socket, (ms) => this.retryAfter(ms));
    onServerEvent(socket, SERVER_EVENTS.session, (info) => {
      this.session.established(info);
      // Every reconnect of this tab resumes this identity, with the online list it still shows.
      socket.auth = (answer) =>
        answer({ token: info.token, presence: this.presence.version() } satisfies HandshakeAuth);
    });
    onServerEvent(socket, SERVER_EVENTS.users, ({ users, v }) => this.listArrived(users, v));
    onServerEvent(socket, SERVER_EVENTS.usersSince, (changes) =>
      this.listArrived(this.presence.withChanges(changes), changes.v),
    );
    // A line in the group chat only for a change of the list: a join can repeat what a list just said.
    onServerEvent(socket, SERVER_EVENTS.joined, (user) => {
      if (this.presence.joined(user)) this.presenceLines.joined(user);
      void this.sender.drain();
    });
    onServerEvent(socket, SERVER_EVENTS.left, (user) => {
      if (this.presence.left(user)) this.presenceLines.left(user);
      // Gone, they write no more: their last typing notice would otherwise show for seconds beside the leave.
      existingConversation(user)?.stopTyping();
      this.sender.peerLeft(user);
    });
    onServerEvent(socket, SERVER_EVENTS.away, (user) => this.presence.setAway(user, true));
    onServerEvent(socket, SERVER_EVENTS.back, (user) => this.presence.setAway(user, false));
    onServerEvent(socket, SERVER_EVENTS.message, (message) => this.inbox.receive(message));
    onServerEvent(socket, SERVER_EVENTS.typing, (typist) => useConversation(typist).peerTyping());
    socket.on("connect", () => void this.connected());
    socket.on("connect_error", (err) => this.refused(err));
    socket.on("disconnect", (reason) => this.disconnected(reason));
    socket.io.on("reconnect_attempt", (attempt) => this.reconnecting(attempt));
  }

  /** Private messages wait while their peer is away; they may go when the peer (re)appears. */
  private listArrived(users: OnlineUser[], version: PresenceVersion): void {
    this.presenceLines.listArrived(this.presence.users, users);
    this.presence.reset(users, version);
    this.sender.listArrived();
  }

  async login(name: string): Promise<void> {
    // A previous identity still waiting for the server to close it after `logout`.
    if (this.socket.connected) this.socket.disconnect();
    this.joining.begin(name);
    // The same person joining again right after logging out: their old session goes first, or its name
    // would still be taken.
    if (this.endingSession) await Promise.race([this.endingSession, pause(RECONNECT_DELAY_MAX_MS)]);
    if (this.session.status === "joining") this.socket.connect(); // unless cancelled meanwhile
  }

  /**
   * The browser says the network is back, or the page is in front again (a phone's browser slows a hidden
   * tab's timers): a connection lost meanwhile is tried now, not when socket.io's backoff would, up to
   * RECONNECT_DELAY_MAX_MS later. Not while the server asked this tab to wait (see retryAfter).
   */
  reconnectNow(): void {
    if (this.socket.connected || !this.socket.active || this.session.status !== "reconnecting") return;
    this.socket.disconnect();
    this.socket.connect();
  }

  /** Stops a login under way, and any attempt it had waiting. */
  cancelLogin(): void {
    clearTimeout(this.nextAttempt);
    this.joining.cancel();
  }

  /** After a reload during a login: it goes on, with its token, as the same login. */
  continueLogin(login: PendingLogin): void {
    this.session.pendingLogin = login;
    void this.login(login.name);
  }

  /** After a reload: the saved token, windows (open and closed), drafts and unsent messages come back, and the socket resumes. */
  resume(saved: SavedState): void {
    restoreSavedState(saved);
    this.session.reconnecting(0);
    this.socket.auth = { token: saved.token } satisfies HandshakeAuth;
    this.socket.connect();
  }

  send(to: Peer | null, text: string): void {
    if (to) this.typingNotices.sent(to);
    this.outbox.add(to, text);
    void this.sender.drain();
  }

  /** The user is writing to `peer` (a keystroke in their window): tell them, now and then. */
  typing(peer: Peer): void {
    this.typingNotices.writing(peer);
  }

  retry(clientId: string): void {
    this.outbox.setState(clientId, "queued");
    void this.sender.drain();
  }

  discard(clientId: string): void {
    this.outbox.remove(clientId);
  }

  /** Opens (or keeps open) the private window with `peer` and loads its recent history once. */
  open(peer: Peer): void {
    this.windows.show(peer);
    if (this.socket.connected && !useConversation(peer).historyLoaded) void loadHistory(this.socket, peer);
  }

  /** The page before the oldest message shown, for scrolling up. */
  async loadOlder(peer: Peer | null): Promise<void> {
    const conversation = useConversation(peer);
    const oldest = conversation.messages[0];
    if (!conversation.olderAvailable || !this.socket.connected) return;
    await loadHistory(this.socket, peer, oldest?.id);
  }

  /**
   * Closes this tab's socket at once, and ends the session on a connection of its own (see
   * logOutWhenReachable). A connected socket says `logout` first: its frame is on the wire before the page
   * can close, while the other connection's handshake takes a round trip or more, and a tab closed before
   * it ended would leave the user listed, and the name held, for the grace window. The server takes it
   * however soon the socket disconnects after it; the other connection then confirms it has ended.
   */
  logout(): void {
    if (this.socket.connected) this.socket.emit(CLIENT_EVENTS.logout);
    this.socket.disconnect();
    const { token } = this.session;
    if (token) {
      const ending = logOutWhenReachable(this.createSocket(), token);
      this.endingSession = ending;
      void ending.then(() => {
        if (this.endingSession === ending) this.endingSession = null;
      });
    }
    this.clearState(null);
  }

  private async connected(): Promise<void> {
    this.session.connected();
    // Whatever socket.io buffered while we were away is stale: the outbox is the one source of resends,
    // and it starts once this connection's online list arrives.
    this.socket.sendBuffer.length = 0;
    await backfillOnConnect(this.socket, this.windows.open, (message, seenBefore) =>
      this.inbox.file(message, seenBefore),
    );
  }

  private refused(err: Error & { data?: ConnectErrorData }): void {
    this.dropStaleReplay();
    if (this.session.status === "joining") this.joining.refused(err);
    else if (err.message === ErrorCode.SESSION_EXPIRED) {
      // The server says which: the session ended (say, on a server that lost its data), or the name was
      // freed while this tab was away and someone else took it.
      this.signOut(err.data?.message ?? SESSION_ENDED);
    } else if (!this.socket.active) {
      // The server refused this attempt (busy, failing) and socket.io will not retry a refusal on its own.
      this.retryAfter(err.data?.retryAfterMs ?? RESUME_RETRY_MS);
    }
  }

  /** `attempt`: socket.io's count, which starts again at every connection opened, answered or not. */
  private reconnecting(attempt: number): void {
    if (this.session.status === "joining") this.joining.retrying();
    else this.session.reconnecting(attempt);
  }

  private retryAfter(ms: number): void {
    clearTimeout(this.nextAttempt);
    this.nextAttempt = setTimeout(() => this.socket.connect(), ms);
  }

  /**
   * Packets the server replayed for a recovery that was cut before it completed: socket.io-client (4.8.4)
   * would emit them on the next connect next to that recovery's own replay of the same packets. Dropping
   * them loses nothing, since the recovery offset never moved past them (or `sync` fetches them).
   */
  private dropStaleReplay(): void {
    this.socket.receiveBuffer.length = 0;
  }

  private disconnected(reason: Socket.DisconnectReason): void {
    this.dropStaleReplay();
    this.sender.disconnected();
    // The server ends a connection on purpose only when this identity logged out (in another tab, or before
    // this socket counted in). Otherwise it closes the transport, and the reconnect learns why.
    if (reason === "io server disconnect") this.signOut("You were logged out in another tab.");
    else if (this.session.status === "connected") this.session.reconnecting(0);
  }

  /** Signed out by the server, not by the user (see endedSession). */
  private signOut(reason: string): void {
    this.socket.disconnect();
    const { notice, lost } = endedSession(reason);
    this.clearState(notice, lost);
  }

  private clearState(notice: string | null, lost: readonly UnsentText[] = []): void {
    clearTimeout(this.nextAttempt);
    // Nothing may resume the identity that ended; the next login sets its own.
    this.socket.auth = {};
    this.typingNotices.clear();
    forgetSession(this.pinia, notice, lost);
  }
}
