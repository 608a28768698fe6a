import type { User, UserId } from "../users.js";
import type { ClaimResult, PresenceStore } from "./store.js";

/** How presence changes reach everyone else; the transport implements it. */
export interface PresenceAnnouncer {
  joined(user: User): void;
  left(user: User): void;
}

/**
 * Presence with a grace window: a user whose last socket drops stays listed, holding the name, for
 * `graceMs`, so a short network blip is invisible to everyone else. Only when the window passes with no
 * socket back is the name freed and `user:left` announced.
 */
export class Presence {
  private readonly expiries = new Map<UserId, NodeJS.Timeout>();

  constructor(
    private readonly store: PresenceStore,
    private readonly announcer: PresenceAnnouncer,
    private readonly graceMs: number,
  ) {}

  /**
   * Holds the user's name. The grace clock starts at once: if the handshake never turns into a
   * connected socket, the name is still freed.
   */
  async claim(user: User): Promise<ClaimResult> {
    const result = await this.store.claim(user);
    if (result === "taken") return result;
    if (result === "joined") this.announcer.joined(user);
    if ((await this.store.connectionCount(user.id)) === 0) this.startGrace(user.id);
    return result;
  }

  async connected(user: User, socketId: string): Promise<void> {
    this.cancelGrace(user.id);
    await this.store.attach(user.id, socketId);
  }

  async disconnected(user: User, socketId: string): Promise<void> {
    if ((await this.store.detach(user.id, socketId)) === 0) this.startGrace(user.id);
  }

  /** Logout: unlisted at once, no grace. */
  async leave(user: User): Promise<void> {
    this.cancelGrace(user.id);
    await this.release(user.id);
  }

  online(): Promise<User[]> {
    return this.store.online();
  }

  holderOf(key: string): Promise<User | null> {
    return this.store.holderOf(key);
  }

  /** Stops the clocks; users are not announced as gone, since the whole server is. */
  stop(): void {
    for (const timer of this.expiries.values()) clearTimeout(timer);
    this.expiries.clear();
  }

  private startGrace(id: UserId): void {
    this.cancelGrace(id);
    const timer = setTimeout(() => {
      this.expiries.delete(id);
      void this.expireIfStillAway(id);
    }, this.graceMs);
    this.expiries.set(id, timer);
  }

  private cancelGrace(id: UserId): void {
    clearTimeout(this.expiries.get(id));
    this.expiries.delete(id);
  }

  private async expireIfStillAway(id: UserId): Promise<void> {
    if ((await this.store.connectionCount(id)) === 0) await this.release(id);
  }

  private async release(id: UserId): Promise<void> {
    const user = await this.store.release(id);
    if (user) this.announcer.left(user);
  }
}
