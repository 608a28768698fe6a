import {
  type AnswerTo,
  type ChatMessage,
  CLIENT_EVENTS,
  type ClientToServerEvents,
  type ConnectErrorData,
  type HistoryAck,
  type HistoryRequest,
  isAnswerTo,
  isServerPayload,
  type PresenceVersion,
  type RequestEventName,
  SERVER_EVENTS,
  type SendAck,
  type ServerEventName,
  type ServerPayload,
  type ServerToClientEvents,
  type SessionInfo,
  type SyncAck,
  type TypingAck,
} from "@chat/shared";
import { io, type ManagerOptions, type Socket, type SocketOptions } from "socket.io-client";

export type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** What arrived, typed by the protocol's event map: a renamed event breaks the tests' build, not their run. */
export type Received = { [E in ServerEventName]: { event: E; payload: ServerPayload<E> } }[ServerEventName];

type Options = Partial<ManagerOptions & SocketOptions> & {
  /** The address to connect from (on Linux all of 127.0.0.0/8 is loopback): a second client address. */
  localAddress?: string;
};

/** Socket.IO refused the handshake: the code and text the server sent. */
export class Refused extends Error {
  constructor(
    /** The server's error code, or socket.io-client's words for a transport that failed. */
    readonly code: string,
    readonly data: ConnectErrorData | undefined,
  ) {
    super(`connection refused: ${code}`);
  }
}

let clientIds = 0;

const malformed = (what: string, payload: unknown) =>
  `the server sent a malformed ${what}: ${JSON.stringify(payload)}`.slice(0, 500);

/**
 * Events that did not have the protocol's shape (see isServerPayload), since the last takeMalformed(). They
 * are taken in as they came, for the test to go on, and the test fails once it ends (see conformance.ts).
 */
const malformedEvents: string[] = [];

export function takeMalformedEvents(): string[] {
  return malformedEvents.splice(0);
}

/** An answer, once checked against the protocol's schema for it: a malformed one fails its request. */
function conforming<E extends RequestEventName>(event: E, answer: AnswerTo<E>): AnswerTo<E> {
  if (!isAnswerTo(event, answer)) throw new Error(malformed(`answer to ${event}`, answer));
  return answer;
}

/**
 * A real socket.io-client user that records what it receives, the way a test reads it: every `message`,
 * the online list kept from `users` plus deltas, and every event in arrival order.
 */
export class ChatUser {
  readonly messages: ChatMessage[] = [];
  readonly events: Received[] = [];
  readonly online = new Set<string>();
  /** Those of `online` shown as away. */
  readonly away = new Set<string>();
  /** The version of the last list or delta applied (the `v` each carries), to resume with. */
  presenceVersion: PresenceVersion | null = null;
  session: SessionInfo | null = null;

  private constructor(readonly socket: ClientSocket) {
    // Socket.IO types a catch-all listener's arguments as any: the event maps say what each one carries.
    socket.onAny((event: ServerEventName, payload: unknown) => {
      // Every test that receives something checks it against the protocol's schemas, as clients do.
      if (!isServerPayload(event, payload)) malformedEvents.push(malformed(event, payload));
      this.events.push({ event, payload } as Received);
    });
    socket.on(SERVER_EVENTS.session, (session) => {
      this.session = session;
      // Reconnections resume this identity, as a real client must.
      socket.auth = { token: session.token };
    });
    socket.on(SERVER_EVENTS.users, ({ users, v }) => {
      this.online.clear();
      this.away.clear();
      this.list(users, v);
    });
    socket.on(SERVER_EVENTS.usersSince, ({ listed, left, v }) => {
      for (const { name } of left) this.unlist(name, v);
      this.list(listed, v);
    });
    socket.on(SERVER_EVENTS.joined, ({ name, v }) => this.list([{ name }], v));
    socket.on(SERVER_EVENTS.left, ({ name, v }) => this.unlist(name, v));
    socket.on(SERVER_EVENTS.away, ({ name, v }) => {
      if (this.online.has(name)) this.away.add(name);
      this.presenceVersion = v;
    });
    socket.on(SERVER_EVENTS.back, ({ name, v }) => {
      this.away.delete(name);
      this.presenceVersion = v;
    });
    socket.on(SERVER_EVENTS.message, (message) => this.messages.push(message));
  }

  private list(users: { name: string; away?: true }[], v: PresenceVersion): void {
    for (const { name, away } of users) {
      this.online.add(name);
      if (away) this.away.add(name);
      else this.away.delete(name);
    }
    this.presenceVersion = v;
  }

  private unlist(name: string, v: PresenceVersion): void {
    this.online.delete(name);
    this.away.delete(name);
    this.presenceVersion = v;
  }

  /**
   * Connects with `auth` and resolves once the online list arrived (`users`, or `users:since` for a resume
   * with a version), or rejects with the server's refusal.
   */
  static connect(url: string, auth: Record<string, unknown>, options: Options = {}): Promise<ChatUser> {
    const socket: ClientSocket = io(url, {
      auth,
      transports: ["websocket"],
      forceNew: true,
      reconnection: false,
      ...options,
    });
    const user = new ChatUser(socket);
    return new Promise((resolve, reject) => {
      const refused = (err: Error & { data?: ConnectErrorData }) => {
        socket.close();
        reject(new Refused(err.message, err.data));
      };
      // Without reconnection, a transport the server closes mid-handshake (say, an oversized packet) ends it.
      const cut = (reason: string) => {
        // "forced close" is this client giving up, as it does on a refusal (the refusal then follows).
        if (reason === "forced close" || socket.io.reconnection()) return;
        socket.close();
        reject(new Error("the server closed the connection during the handshake"));
      };
      socket.once("connect_error", refused);
      socket.io.once("close", cut);
      const listed = () => {
        // From here on a refusal is a reconnection's, for the test to watch, not a failed login.
        socket.off("connect_error", refused);
        socket.io.off("close", cut);
        socket.off(SERVER_EVENTS.users, listed);
        socket.off(SERVER_EVENTS.usersSince, listed);
        resolve(user);
      };
      socket.once(SERVER_EVENTS.users, listed);
      socket.once(SERVER_EVENTS.usersSince, listed);
    });
  }

  static login(url: string, name: string, options?: Options): Promise<ChatUser> {
    return ChatUser.connect(url, { name }, options);
  }

  get name(): string {
    return this.session?.name ?? "";
  }

  get token(): string {
    return this.session?.token ?? "";
  }

  /** The identity's id, as its `session` said: "" before that. */
  get id(): string {
    return this.session?.id ?? "";
  }

  send(to: string | null, text: string, clientId = `c${++clientIds}`): Promise<SendAck> {
    return this.socket
      .timeout(10_000)
      .emitWithAck(CLIENT_EVENTS.send, { to, text, clientId })
      .then((answer) => conforming(CLIENT_EVENTS.send, answer));
  }

  typing(to: string, toId?: string): Promise<TypingAck> {
    return this.socket
      .timeout(10_000)
      .emitWithAck(CLIENT_EVENTS.typing, { to, toId })
      .then((answer) => conforming(CLIENT_EVENTS.typing, answer));
  }

  history(peer: string | null, page: Omit<HistoryRequest, "with"> = {}): Promise<HistoryAck> {
    return this.socket
      .timeout(10_000)
      .emitWithAck(CLIENT_EVENTS.history, { with: peer, ...page })
      .then((answer) => conforming(CLIENT_EVENTS.history, answer));
  }

  sync(after: number | null): Promise<SyncAck> {
    return this.socket
      .timeout(10_000)
      .emitWithAck(CLIENT_EVENTS.sync, { after })
      .then((answer) => conforming(CLIENT_EVENTS.sync, answer));
  }

  /** Resolves with the next `event` whose payload satisfies `match`. */
  next<E extends ServerEventName>(
    event: E,
    match: (payload: ServerPayload<E>) => boolean = () => true,
    timeoutMs = 10_000,
  ): Promise<ServerPayload<E>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.socket.offAny(listener);
        reject(new Error(`${this.name}: no ${event} within ${timeoutMs} ms`));
      }, timeoutMs);
      const listener = (name: ServerEventName, payload: ServerPayload<E>) => {
        if (name !== event || !match(payload)) return;
        clearTimeout(timer);
        this.socket.offAny(listener);
        resolve(payload);
      };
      this.socket.onAny(listener);
    });
  }

  /** Like `next`, but an event that already arrived counts too. */
  waitFor<E extends ServerEventName>(
    event: E,
    match: (payload: ServerPayload<E>) => boolean = () => true,
    timeoutMs = 10_000,
  ): Promise<ServerPayload<E>> {
    const arrived = (e: Received): e is Extract<Received, { event: E }> => e.event === event;
    const seen = this.events.filter(arrived).find((e) => match(e.payload));
    return seen ? Promise.resolve(seen.payload) : this.next(event, match, timeoutMs);
  }

  /** Resolves once `message` events with all these ids have arrived. */
  async receivedIds(ids: number[], timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const missing = () => ids.filter((id) => !this.messages.some((m) => m.id === id));
    while (missing().length > 0) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${this.name} never received ids ${missing().join(", ")}`);
      await this.next(SERVER_EVENTS.message, () => true, left).catch(() => undefined);
    }
  }

  close(): void {
    this.socket.close();
  }
}

/** The message a send stored; a refused send fails the test that counted on it. */
export function sent(ack: SendAck): ChatMessage {
  if (!ack.ok) throw new Error(`send failed: ${ack.error.code} ${ack.error.message}`);
  return ack.message;
}

/**
 * A group message everyone receives: once a user has it, every earlier delivery to them has arrived too,
 * so what they did not get by then, they were never sent.
 */
export async function fence(from: ChatUser, ...to: ChatUser[]): Promise<void> {
  const message = sent(await from.send(null, "fence"));
  await Promise.all(to.filter((user) => user !== from).map((user) => user.receivedIds([message.id])));
}
