import { performance } from "node:perf_hooks";
import type { ServerToClientEvents } from "@chat/shared";
import type { Logger } from "pino";
import type { PresenceAnnouncer } from "../presence/presence.js";
import type { User } from "../users.js";
import type { ChatIo, ChatSocket } from "./types.js";

/** The sockets that have received the full online list and so follow it by deltas. */
export const PRESENCE_ROOM = "presence";

/** How often, at most, presence goes out while it keeps changing. */
const PRESENCE_ROUND_MS = 50;

type Delta = keyof Pick<ServerToClientEvents, "user:joined" | "user:left">;

/**
 * Presence goes out in rounds: the first change after a quiet spell at once, later ones gathered for at
 * most PRESENCE_ROUND_MS. A round sends its deltas (`user:joined`, `user:left`, one small event per
 * change, never the full list) to every socket that has the list, then greets the sockets that connected
 * since the last round with one list, read and encoded once for all of them.
 *
 * Why rounds: when thousands of clients connect at once (a restart, a network coming back), each join
 * costs every other socket a frame, and sent one join at a time each frame is a write of its own; a
 * round's frames leave together (see coalesceWrites), and the joiners share one list instead of each
 * building and encoding their own. A list read after a change can already hold the user its delta then
 * announces: clients apply deltas as set operations (docs/PROTOCOL.md), so that repeat changes nothing.
 */
export class PresenceRounds implements PresenceAnnouncer {
  private deltas: [Delta, string][] = [];
  private greetings: ChatSocket[] = [];
  private timer: NodeJS.Timeout | null = null;
  private lastRoundAt = Number.NEGATIVE_INFINITY;
  /** Rounds run one after the other: a round's joiners are in the room before the next round's deltas. */
  private rounds: Promise<void> = Promise.resolve();

  constructor(
    private readonly io: ChatIo,
    private readonly online: () => Promise<User[]>,
    private readonly log: Logger,
  ) {}

  joined({ name }: User): void {
    this.deltas.push(["user:joined", name]);
    this.schedule();
  }

  left({ name }: User): void {
    this.deltas.push(["user:left", name]);
    this.schedule();
  }

  /** Sends this socket the full list in the next round, then keeps it up to date with deltas. */
  greet(socket: ChatSocket): void {
    this.greetings.push(socket);
    this.schedule();
  }

  /** Drops what has not gone out yet: the server is closing and every socket with it. */
  stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.deltas = [];
    this.greetings = [];
    return this.rounds;
  }

  private schedule(): void {
    if (this.timer) return;
    const wait = Math.max(0, this.lastRoundAt + PRESENCE_ROUND_MS - performance.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      this.lastRoundAt = performance.now();
      this.rounds = this.rounds
        .then(() => this.round())
        .catch((error: unknown) => this.log.error({ err: error }, "presence round failed"));
    }, wait);
  }

  private async round(): Promise<void> {
    const deltas = this.deltas;
    this.deltas = [];
    for (const [event, name] of deltas) this.io.to(PRESENCE_ROOM).emit(event, { name });
    // Joiners that arrive while the list is read wait for the next round, which reads it again.
    const greetings = this.greetings;
    this.greetings = [];
    if (greetings.length === 0) return;
    const users = (await this.online()).map(({ name }) => ({ name }));
    const greeted: string[] = [];
    for (const socket of greetings) {
      // A socket that has gone meanwhile must not join a room (pitfall 9).
      if (!socket.connected) continue;
      socket.join(PRESENCE_ROOM);
      greeted.push(socket.id);
    }
    // Local: the list is for sockets of this process only; recovery never keeps it (RecoveryAdapter).
    if (greeted.length > 0) this.io.local.to(greeted).emit("users", { users });
  }
}
