import type { User, UserId } from "../users.js";
import type {
  AttachResult,
  ClaimResult,
  GraceToken,
  ListedAmong,
  ListedUser,
  PresenceStore,
} from "./store.js";

interface Entry {
  user: User;
  sockets: Set<string>;
  /** The grace window running, if any. */
  grace: GraceToken | null;
  away: boolean;
}

/** Presence of a single process. Every method completes synchronously, which makes claim atomic. */
export class MemoryPresenceStore implements PresenceStore {
  private readonly byId = new Map<UserId, Entry>();
  private readonly byKey = new Map<string, UserId>();
  private graces = 0;

  async claim(user: User): Promise<ClaimResult> {
    const holder = this.byKey.get(user.key);
    if (holder === user.id) return "held";
    if (holder !== undefined) return "taken";
    this.byKey.set(user.key, user.id);
    this.byId.set(user.id, { user, sockets: new Set(), grace: ++this.graces, away: false });
    return "joined";
  }

  async holderOf(key: string): Promise<User | null> {
    const id = this.byKey.get(key);
    return id === undefined ? null : (this.byId.get(id)?.user ?? null);
  }

  async attach(id: UserId, socketId: string): Promise<AttachResult> {
    const entry = this.byId.get(id);
    if (!entry) return "unlisted";
    entry.sockets.add(socketId);
    entry.grace = null;
    const wasAway = entry.away;
    entry.away = false;
    return wasAway ? "back" : "attached";
  }

  async detach(id: UserId, socketId: string): Promise<number> {
    const entry = this.byId.get(id);
    entry?.sockets.delete(socketId);
    return entry?.sockets.size ?? 0;
  }

  async connectionCount(id: UserId): Promise<number> {
    return this.byId.get(id)?.sockets.size ?? 0;
  }

  async startGrace(id: UserId): Promise<GraceToken> {
    const grace = ++this.graces;
    const entry = this.byId.get(id);
    if (entry) entry.grace = grace;
    return grace;
  }

  async endGrace(id: UserId, grace: GraceToken): Promise<User | null> {
    const entry = this.byId.get(id);
    if (!entry || entry.grace !== grace || entry.sockets.size > 0) return null;
    return this.release(id);
  }

  async markAway(id: UserId, grace: GraceToken): Promise<User | null> {
    const entry = this.byId.get(id);
    if (!entry || entry.grace !== grace || entry.sockets.size > 0 || entry.away) return null;
    entry.away = true;
    return entry.user;
  }

  async release(id: UserId): Promise<User | null> {
    const entry = this.byId.get(id);
    if (!entry) return null;
    this.byId.delete(id);
    this.byKey.delete(entry.user.key);
    return entry.user;
  }

  async online(): Promise<ListedUser[]> {
    return [...this.byId.values()].map(listed);
  }

  async listedAmong(ids: UserId[]): Promise<ListedAmong> {
    const users: ListedUser[] = [];
    for (const id of ids) {
      const entry = this.byId.get(id);
      if (entry) users.push(listed(entry));
    }
    return { count: this.byId.size, users };
  }
}

function listed({ user, away }: Entry): ListedUser {
  return away ? { ...user, away } : user;
}
