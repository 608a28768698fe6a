import { performance } from "node:perf_hooks";
import { type PresenceVersion, SERVER_EVENTS, type ServerEvent, type UserSummary } from "@chat/shared";
import { uniqueNameKey } from "@chat/shared/name-skeleton";
import type { Logger } from "pino";
import { SpacedTimer } from "../transport/spaced-timer.js";
import type { ChatIo, ChatSocket, PresenceDelta } from "../transport/types.js";
import { emitBatchLocally } from "../transport/write-path/batched-events.js";
import { summaryOf, type User } from "../users.js";
import type { PresenceAnnouncer, PresenceChange } from "./presence.js";
import { entryOf, type Lists, listChanges, type Newcomer, readLists } from "./presence-lists.js";
import { PresenceLog } from "./presence-log.js";
import type { PresenceStore } from "./store.js";

/** The sockets that have received the full online list and so follow it by deltas. */
const PRESENCE_ROOM = "presence";

/** How often, at most, lists go out to the sockets that connect. */
const GREETING_ROUND_MS = 50;

/**
 * A round of deltas writes to every socket that has the list, so its cost grows with the number online;
 * the next one waits at least this many times as long as the last one took. However fast people come and
 * go, that keeps deltas under a seventeenth of the server's time, and each round carries more changes for
 * the same cost. A round to 1,000 sockets takes about as long as a chat message's broadcast (15 ms on the
 * bench's core): with 4 here, steady churn (50 joins and 50 leaves a second) took a fifth of the core in
 * rounds every 60 ms, and the chatters' latency doubled.
 */
const DELTA_COST_FACTOR = 16;

/**
 * A greeting round encodes the whole list once and writes it to each newcomer: at 10,000 listed that is
 * 450 KB each. The next one waits at least this many times as long as the last one took.
 */
const GREETING_COST_FACTOR = 4;

/**
 * Presence goes out in rounds: the first change after a quiet spell at once, later ones gathered for at
 * most `roundMs` (50 ms by default), or longer when rounds are costly (DELTA_COST_FACTOR). A round sends its deltas
 * (`user:joined`, `user:away`…, one small event per change, never the full list) to every socket that
 * has the list. The sockets that connected meanwhile are greeted in rounds of their own, with one list
 * read and encoded once for all of them: those write to the newcomers only, and are spaced by their own
 * cost, so a newcomer does not wait for its list while deltas are held back.
 *
 * Why rounds: when thousands of clients connect at once (a restart, a network coming back), each join
 * costs every other socket a frame, and sent one join at a time each frame is a write of its own; a
 * round's frames leave together (see coalesceWrites), and the joiners share one list instead of each
 * building and encoding their own. A list read after a change can already hold the user its delta then
 * announces: clients apply deltas as set operations (docs/PROTOCOL.md), so that repeat changes nothing.
 *
 * Each change a round passes on is numbered (PresenceLog), and every list and change carries its version:
 * a socket that resumes with the version its client holds, if this process still knows what changed since,
 * is greeted with those changes (`users:since`) instead of the whole list. After a short outage nothing
 * has changed, and thousands of clients coming back are each sent a few bytes instead of everyone.
 *
 * With several processes, each runs its own rounds, so a join waiting in one process's round can reach
 * the sockets after a logout that another process announced at once: the user would stay listed. Every
 * round, this process's and the others', is therefore passed on one at a time, and each change only while
 * it still holds (a join while its user holds the name, an away or a return while the store still has
 * them away or not): a change made after that check is announced after the round.
 */
export class PresenceRounds implements PresenceAnnouncer {
  private deltas: PresenceDelta[] = [];
  private greetings: Newcomer[] = [];
  private readonly changes = new PresenceLog();
  private readonly clustered: boolean;
  private readonly deltaRounds: SpacedTimer;
  private readonly greetingRounds = new SpacedTimer(
    () => this.inTurn(() => this.greetingRound()),
    GREETING_ROUND_MS,
    GREETING_COST_FACTOR,
  );
  /** Rounds run one after the other: a round's newcomers are in the room before the next round's deltas. */
  private rounds: Promise<void> = Promise.resolve();

  /**
   * `clustered`: other processes share the chat through a cluster adapter and get each round too.
   * `roundMs`: how often, at most, deltas go out while presence keeps changing.
   */
  constructor(
    private readonly io: ChatIo,
    private readonly store: Pick<PresenceStore, "online" | "listedAmong" | "holderOf">,
    private readonly logger: Logger,
    { clustered, roundMs }: { clustered: boolean; roundMs: number },
  ) {
    this.clustered = clustered;
    this.deltaRounds = new SpacedTimer(
      () => this.inTurn(() => this.deltaRound()),
      roundMs,
      DELTA_COST_FACTOR,
    );
    // The rounds of the other processes, for this one's sockets, in turn with this one's.
    if (clustered) io.on("presence:round", (deltas) => this.inTurn(() => this.passOn(deltas)));
  }

  announce(change: PresenceChange, user: User): void {
    this.deltas.push([change, summaryOf(user)]);
    this.deltaRounds.schedule();
  }

  /**
   * Sends this socket the full list in the next greeting round, or what changed since the version `since`
   * of it, then keeps it up to date with deltas.
   */
  greet(socket: ChatSocket, since: PresenceVersion | null): void {
    this.greetings.push({ socket, since });
    this.greetingRounds.schedule();
  }

  /**
   * Changes passed on by other processes were lost to this one (see RedisStorageOptions.onBroadcastsMissed):
   * the sockets that resume are sent the whole list, not what this process saw change.
   */
  forgetChanges(): void {
    this.changes.restart();
  }

  /** Changes and greetings waiting for their round. */
  get pending(): number {
    return this.deltas.length + this.greetings.length;
  }

  /**
   * Sends at once the deltas held for the next round, and resolves once they have gone: the server is
   * closing, and with other processes their clients are owed them (a join held back would never reach
   * them, as its user, coming back on another process, is already listed there).
   */
  flush(): Promise<void> {
    if (this.clustered && this.deltas.length > 0) {
      this.deltaRounds.stop();
      this.inTurn(() => this.deltaRound());
    }
    return this.rounds;
  }

  /** Drops what has not gone out yet: the server is closing and every socket with it. */
  stop(): Promise<void> {
    this.deltaRounds.stop();
    this.greetingRounds.stop();
    this.deltas = [];
    this.greetings = [];
    return this.rounds;
  }

  private inTurn(round: () => Promise<void>): void {
    this.rounds = this.rounds
      .then(round)
      .catch((error: unknown) => this.logger.error({ err: error }, "presence round failed"));
  }

  private async deltaRound(): Promise<void> {
    const deltas = this.deltas;
    this.deltas = [];
    // Empty when an earlier round, held up by the one before it, took these changes too.
    if (deltas.length === 0) return;
    if (this.clustered) this.io.serverSideEmit("presence:round", deltas);
    const passed = this.clustered ? await this.stillTrue(deltas) : deltas;
    timed(this.deltaRounds, () => this.sendDeltas(passed));
  }

  /** Newcomers that arrive while the list is read wait for the next greeting round, which reads it again. */
  private async greetingRound(): Promise<void> {
    const greetings = this.greetings;
    this.greetings = [];
    if (greetings.length === 0) return;
    try {
      const lists = await readLists(greetings, this.changes, this.store);
      timed(this.greetingRounds, () => this.sendLists(greetings, lists));
    } catch (error) {
      // The store failed to answer. Ungreeted, a socket would get neither the list nor deltas, and its client
      // sends nothing until its list comes: as when counting in fails, the client reconnects and tries again.
      for (const { socket } of greetings) socket.conn.close();
      throw error;
    }
  }

  private sendLists(greetings: Newcomer[], { version, whole, everyone, answered, listedNow }: Lists): void {
    // Only now, with every read done: a socket in the room before its list would be sent deltas without one.
    for (const { socket } of greetings) {
      // A socket that has gone meanwhile must not join a room: nothing would ever take it out again.
      if (socket.connected) socket.join(PRESENCE_ROOM);
    }
    // Local: the list is for sockets of this process only; recovery never keeps it (RecoveryAdapter).
    for (const { since, ids, changed } of answered)
      this.io.local.to(ids).emit(SERVER_EVENTS.usersSince, listChanges(since, changed, listedNow, version));
    if (everyone)
      this.io.local.to(whole).emit(SERVER_EVENTS.users, { users: everyone.map(entryOf), v: version });
  }

  /** Another process's round, for this one's sockets. */
  private async passOn(deltas: PresenceDelta[]): Promise<void> {
    this.sendDeltas(await this.stillTrue(deltas));
  }

  /**
   * A round to this process's sockets that have the list, each change numbered as it goes: one write of all
   * its deltas per socket.
   */
  private sendDeltas(passed: PresenceDelta[]): void {
    const events = passed.map(
      ([event, user]) => [event, { ...user, v: this.changes.record(user) }] as ServerEvent,
    );
    emitBatchLocally(this.io, PRESENCE_ROOM, events);
  }

  /**
   * The deltas but the joins of users who no longer hold their name, the leaves of users listed again
   * since, and the aways and backs that a later change made untrue (all of them if the store is
   * unreachable). Whether a user is away is read as the store has it, not from their sockets: a user back
   * and gone again before the round is not away yet. A user let go here while this round waited, then
   * back on another process, was announced there at once: passed on, this `user:left` would hide them.
   */
  private async stillTrue(deltas: PresenceDelta[]): Promise<PresenceDelta[]> {
    const checked = new Set(
      deltas.flatMap(([change, { id }]) => (change === SERVER_EVENTS.joined ? [] : [id])),
    );
    try {
      const [holdsName, listed] = await Promise.all([
        Promise.all(deltas.map(([change, user]) => change !== SERVER_EVENTS.joined || this.holdsName(user))),
        checked.size > 0 ? this.store.listedAmong([...checked]) : { users: [] },
      ]);
      const awayNow = new Map(listed.users.map((user) => [user.id, user.away === true]));
      return deltas.filter(([change, { id }], index) => {
        if (change === SERVER_EVENTS.joined) return holdsName[index];
        if (change === SERVER_EVENTS.left) return !awayNow.has(id);
        // Unlisted since: its `user:left` is in this round or a later one.
        return awayNow.get(id) === (change === SERVER_EVENTS.away);
      });
    } catch {
      // Announced as they are, a late change at worst, rather than not at all.
      return deltas;
    }
  }

  private async holdsName({ name, id }: UserSummary): Promise<boolean> {
    return (await this.store.holderOf(uniqueNameKey(name)))?.id === id;
  }
}

/**
 * Sends a round, and has its timer keep how long that took, the writes included. Not the reads before it:
 * those wait on the store (with Redis, on the network and on whatever this process does meanwhile), and
 * 16 times a wait would hold presence back for nothing.
 */
function timed(rounds: SpacedTimer, send: () => void): void {
  const started = performance.now();
  send();
  // The writes leave once this callback's work is done (coalesceWrites), just before this.
  process.nextTick(() => {
    rounds.lastCost = performance.now() - started;
  });
}
