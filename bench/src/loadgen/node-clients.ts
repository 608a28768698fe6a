import type { WireProtocol } from "../step.js";
import { type ChatProtocol, chatProtocol, FrameKind } from "./chat-protocol.js";
import { LatencyHistogram } from "./latency.js";
import { WireConnection, type WireOwner } from "./wire.js";

/**
 * The clients the load generator runs itself: the senders, the latency samplers and the churning users.
 * Every chat frame they receive is timed (the text carries its intended send time); other frames are
 * counted as presence traffic.
 */

const CONNECTING_AT_ONCE = 100;
const CONNECT_TIMEOUT_MS = 180_000;
const MARKER = 0x7e; // "~": brackets the intended send time inside the message text
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
/** Where a sent message's id sits in its ack: the first "id" key (ChatMessage.id). */
const MESSAGE_ID_KEY = '"id":';

export const nowUs = () => Math.round(performance.now() * 1000);

/** What the clients saw during one measurement; arrivals outside [windowStartUs, windowEndUs) are not counted. */
export class Tally {
  readonly latency = new LatencyHistogram();
  chatFrames = 0;
  chatBytes = 0;
  otherFrames = 0;
  otherBytes = 0;
  acked = 0;
  refused = 0;
  joins = 0;
  leaves = 0;

  constructor(
    readonly windowStartUs = Number.POSITIVE_INFINITY,
    readonly windowEndUs = Number.POSITIVE_INFINITY,
    /** A churning user's leave is announced this long after its connection closes. */
    readonly leaveDelayUs = 0,
  ) {}

  inWindow(us: number): boolean {
    return us >= this.windowStartUs && us < this.windowEndUs;
  }
}

export class NodeClients implements WireOwner {
  readonly protocol: ChatProtocol;
  tally = new Tally();
  /** Connections the server closed, over the whole session. */
  disconnects = 0;
  /** The newest message id an ack carried: where a reconnecting client's `sync` starts from. */
  newestMessageId: number | null = null;
  private readonly conns = new Map<number, WireConnection>();
  private readonly names = new Map<number, string>();
  private readonly loggedIn = new Set<number>();
  private readonly ackIds = new Map<number, number>();
  private waitingForLogins: (() => void) | null = null;
  private failure: string | null = null;

  private arrivalUs = 0;

  constructor(
    private readonly port: number,
    protocol: WireProtocol,
    /** Clients from this index on are churning users: not counted as receivers. */
    private readonly firstChurner: number,
  ) {
    this.protocol = chatProtocol(protocol);
  }

  /** Opens clients with these indexes (named u<index>) and resolves once all are logged in. */
  connect(indexes: number[]): Promise<void> {
    const loggedInBefore = this.loggedIn.size;
    return new Promise((resolve, reject) => {
      const finish = (error: Error | null) => {
        clearTimeout(deadline);
        this.waitingForLogins = null;
        if (error) reject(error);
        else resolve();
      };
      const deadline = setTimeout(
        () => finish(new Error("clients did not log in in time")),
        CONNECT_TIMEOUT_MS,
      );
      let next = 0;
      const startMore = () => {
        if (this.failure) return finish(new Error(this.failure));
        const done = this.loggedIn.size - loggedInBefore;
        for (; next < indexes.length && next - done < CONNECTING_AT_ONCE; next++) {
          this.open(indexes[next] as number, `u${indexes[next]}`);
        }
        if (done === indexes.length) finish(null);
      };
      this.waitingForLogins = startMore;
      startMore();
    });
  }

  open(index: number, name: string): void {
    this.names.set(index, name);
    this.ackIds.set(index, 0);
    this.conns.set(index, new WireConnection(this.port, this.protocol.path(name), this, index));
  }

  close(index: number): void {
    this.conns.get(index)?.close();
  }

  nameOf(index: number): string {
    return this.names.get(index) ?? `u${index}`;
  }

  /** The next ack id of a client's sends. */
  nextAckId(index: number): number {
    const id = (this.ackIds.get(index) ?? 0) + 1;
    this.ackIds.set(index, id);
    return id;
  }

  write(index: number, frames: Buffer): void {
    this.conns.get(index)?.write(frames);
  }

  private loggedInNow(conn: WireConnection): void {
    if (this.loggedIn.has(conn.index)) return;
    this.loggedIn.add(conn.index);
    if (conn.index >= this.firstChurner && this.tally.inWindow(nowUs())) this.tally.joins++;
    this.waitingForLogins?.();
  }

  // ---- WireOwner: the receiving hot path --------------------------------------------------------

  read(): void {
    this.arrivalUs = nowUs();
  }

  opened(conn: WireConnection): void {
    if (this.protocol.connectedOnUpgrade) this.loggedInNow(conn);
  }

  frame(conn: WireConnection, data: Buffer, start: number, end: number): void {
    switch (this.protocol.kind(data, start, end)) {
      case FrameKind.Event:
        if (conn.index < this.firstChurner) this.onEvent(data, start, end);
        return;
      case FrameKind.Ack: {
        this.tally.acked++;
        const ack = data.subarray(start, end);
        if (ack.includes('"ok":false')) this.tally.refused++;
        else this.noteMessageId(ack);
        return;
      }
      case FrameKind.Ping:
        conn.write(this.protocol.pong);
        return;
      case FrameKind.Open:
        conn.write(this.protocol.login(this.nameOf(conn.index)));
        return;
      case FrameKind.Connected:
        this.loggedInNow(conn);
        return;
      case FrameKind.Refused:
        this.failure = `login refused: ${data.toString("utf8", start, end)}`;
        this.waitingForLogins?.();
        return;
    }
  }

  private noteMessageId(ack: Buffer): void {
    const at = ack.indexOf(MESSAGE_ID_KEY);
    if (at < 0) return;
    let id = 0;
    for (let i = at + MESSAGE_ID_KEY.length; i < ack.length; i++) {
      const digit = ack[i] as number;
      if (digit < DIGIT_0 || digit > DIGIT_9) break;
      id = id * 10 + digit - DIGIT_0;
    }
    this.newestMessageId = Math.max(this.newestMessageId ?? 0, id);
  }

  private onEvent(data: Buffer, start: number, end: number): void {
    const arrival = this.arrivalUs;
    const tally = this.tally;
    const counted = tally.inWindow(arrival);
    let i = start;
    while (i < end && data[i] !== MARKER) i++;
    if (i === end) {
      if (counted) {
        tally.otherFrames++;
        tally.otherBytes += end - start;
      }
      return;
    }
    let intended = 0;
    for (i++; i < end && data[i] !== MARKER; i++) intended = intended * 10 + ((data[i] as number) - DIGIT_0);
    if (counted) {
      tally.chatFrames++;
      tally.chatBytes += end - start;
    }
    if (tally.inWindow(intended)) tally.latency.record(arrival - intended);
  }

  closed(conn: WireConnection, expected: boolean): void {
    if (conn.index >= this.firstChurner) {
      if (expected && this.tally.inWindow(nowUs() + this.tally.leaveDelayUs)) this.tally.leaves++;
      return;
    }
    if (!this.loggedIn.has(conn.index)) {
      this.failure ??= `client ${conn.index} closed before logging in`;
      this.waitingForLogins?.();
      return;
    }
    if (!expected) this.disconnects++;
  }
}
