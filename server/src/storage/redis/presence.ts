import type { Logger } from "pino";
import type {
  AttachResult,
  ClaimResult,
  GraceToken,
  LeaseListeners,
  ListedAmong,
  ListedUser,
  PresenceStore,
  Swept,
} from "../../presence/store.js";
import type { User, UserId } from "../../users.js";
import { inChunks, TurnBatch } from "../turn-batch.js";
import type { RedisClient } from "./client.js";
import { parseUser, parseUserOrNull } from "./stored-user.js";

/** The most keys one lookup script reads. */
const LOOKUP_CHUNK = 500;

export interface NodeLease {
  /** This process's id among those sharing the store. */
  nodeId: string;
  /** How long its sockets keep counting after its last heartbeat. */
  ttlMs: number;
}

/**
 * Presence shared by every process on one Redis, each change one atomic script. A socket counts only
 * while the process holding it renews its lease (a heartbeat every third of the lease), so the users of a
 * process that dies are not listed forever: its sockets stop counting when the lease expires, and the
 * sweep (see presence-scripts.ts) gives those users a grace window, then releases them.
 */
export class RedisPresenceStore implements PresenceStore {
  /** This process's sockets, to count in again if its lease lapsed (Redis unreachable for a while). */
  private readonly ownSockets = new Map<string, UserId>();
  private heartbeat: NodeJS.Timeout | null = null;
  private leaseListeners: LeaseListeners | null = null;
  /**
   * Every private message and typing notice looks its peer up: those of a turn go as one script, not one
   * each, since Redis shares the machine (the bench pins it beside the server) and each call has a cost.
   */
  private readonly holders = new TurnBatch<string, string | null>((keys) =>
    inChunks(keys, LOOKUP_CHUNK, (chunk) => this.redis.presenceHolders(this.prefix, ...chunk)),
  );

  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
    private readonly lease: NodeLease,
  ) {}

  /** Takes the lease and keeps it until stop(). */
  async start(log: Logger): Promise<void> {
    await this.renewLease();
    this.heartbeat = setInterval(() => {
      this.renewLease().catch((error: unknown) => log.warn({ err: error }, "presence heartbeat failed"));
    }, this.lease.ttlMs / 3);
    this.heartbeat.unref();
  }

  /** Stops renewing the lease: this process's remaining sockets stop counting once it expires. */
  stop(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
  }

  claim(user: User, windowMs: number): Promise<ClaimResult> {
    const json = JSON.stringify(user);
    return this.redis.presenceClaim(this.prefix, user.id, user.key, json, String(windowMs));
  }

  async holderOf(key: string): Promise<User | null> {
    return parseUserOrNull(await this.holders.add(key));
  }

  async attach(id: UserId, socketId: string): Promise<AttachResult> {
    const attached = await this.redis.presenceAttach(this.prefix, id, this.member(socketId));
    if (attached !== "unlisted") this.ownSockets.set(socketId, id);
    return attached;
  }

  detach(id: UserId, socketId: string): Promise<number> {
    this.ownSockets.delete(socketId);
    return this.redis.presenceDetach(this.prefix, id, this.member(socketId));
  }

  connectionCount(id: UserId): Promise<number> {
    return this.redis.presenceCount(this.prefix, id);
  }

  startGrace(id: UserId, graceMs: number, awayMs: number | null): Promise<GraceToken> {
    return this.redis.presenceStartGrace(
      this.prefix,
      id,
      String(graceMs),
      awayMs === null ? "" : String(awayMs),
    );
  }

  async endGrace(id: UserId, grace: GraceToken): Promise<User | null> {
    return parseUserOrNull(await this.redis.presenceEndGrace(this.prefix, id, String(grace)));
  }

  async markAway(id: UserId, grace: GraceToken): Promise<User | null> {
    return parseUserOrNull(await this.redis.presenceMarkAway(this.prefix, id, String(grace)));
  }

  async release(id: UserId): Promise<User | null> {
    return parseUserOrNull(await this.redis.presenceRelease(this.prefix, id));
  }

  async online(): Promise<ListedUser[]> {
    const [users = [], awayIds = []] = await this.redis.presenceOnline(this.prefix);
    const away = new Set(awayIds);
    return users.map((json) => {
      const user = parseUser(json);
      return away.has(user.id) ? { ...user, away: true } : user;
    });
  }

  async listedAmong(ids: UserId[]): Promise<ListedAmong> {
    const [count, listed] = await Promise.all([
      this.redis.hLen(`${this.prefix}presence:users`),
      inChunks(ids, LOOKUP_CHUNK, (chunk) => this.redis.presenceListedAmong(this.prefix, ...chunk)),
    ]);
    return {
      count,
      users: listed.map(({ json, away }) => (away ? { ...parseUser(json), away } : parseUser(json))),
    };
  }

  onLeaseRestored(listeners: LeaseListeners): void {
    this.leaseListeners = listeners;
  }

  async sweep(graceMs: number): Promise<Swept> {
    // Its own lease first: lapsed (Redis was away longer than it), this process would take itself for dead
    // and mark its own users away.
    await this.renewLease();
    const [away = [], released = []] = await this.redis.presenceSweep(this.prefix, String(graceMs));
    return { away: away.map(parseUser), released: released.map(parseUser) };
  }

  private member(socketId: string): string {
    return `${this.lease.nodeId}|${socketId}`;
  }

  private async renewLease(): Promise<void> {
    const held = await this.redis.presenceHeartbeat(this.prefix, this.lease.nodeId, String(this.lease.ttlMs));
    if (held) return;
    const attached = await Promise.all(
      [...this.ownSockets].map(async ([socketId, id]) => ({
        socketId,
        id,
        result: await this.redis.presenceAttach(this.prefix, id, this.member(socketId)),
      })),
    );
    const back = new Set<UserId>();
    for (const { socketId, id, result } of attached) {
      // Marked away by another process's sweep meanwhile: back now, and everyone is to hear it.
      if (result === "back") back.add(id);
      // Released meanwhile, its name free for anyone: the socket goes, its client resumes or is refused.
      if (result === "unlisted") {
        this.ownSockets.delete(socketId);
        this.leaseListeners?.unlisted(socketId);
      }
    }
    for (const id of back) {
      const user = parseUserOrNull(await this.redis.hGet(`${this.prefix}presence:users`, id));
      if (user) this.leaseListeners?.back(user);
    }
  }
}
