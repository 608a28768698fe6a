import { SERVER_EVENTS, type ServerEventName } from "@chat/shared";
import type { User, UserId } from "../users.js";
import type { ClaimResult, GraceToken, PresenceStore } from "./store.js";

/** A change of the online list, named by the event that announces it: `user:joined`, `user:away`… */
export type PresenceChange = Extract<ServerEventName, `user:${string}`>;

/** How presence changes reach everyone else; the transport implements it. */
export interface PresenceAnnouncer {
  announce(change: PresenceChange, user: User): void;
}

export interface PresenceOptions {
  /** How long a user with no socket keeps their name and stays listed. */
  graceMs: number;
  /**
   * How long a user with no socket is still shown as connected, then as away (if still listed): a reload
   * or a reconnect, shorter than this, is not shown to anyone.
   */
  awayMs: number;
  /** How often a shared store is swept for users left behind by a process that died. */
  sweepMs: number;
  /** Ends the connection of a socket whose user is no longer listed; its client reconnects and resumes. */
  dropSocket: (socketId: string) => void;
  /** Logs work of a timer that failed: quietly when the store is away, which is reported elsewhere. */
  logFailure: (error: unknown, about: Record<string, unknown>) => void;
}

/**
 * How long a name claimed by a handshake waits for its socket, however short the grace window is: the
 * handshake still has the session to store and the greeting to send. With a grace window of 0 (allowed:
 * no blip is hidden), the name was freed before the socket could count in, and every login failed.
 */
const HANDSHAKE_WINDOW_MS = 10_000;

/**
 * Presence with a grace window: a user whose last socket drops stays listed, holding the name, for
 * `graceMs`, so a short network blip is invisible to everyone else. If no socket is back after `awayMs`,
 * `user:away` tells the others that messages now wait; one coming back later is announced `user:back`.
 * Only when the window passes with no socket back is the name freed and `user:left` announced.
 *
 * The window is recorded in the store and timed here; with a store shared by several processes, each
 * also sweeps it now and then, so that the users of a process that died are released (and announced as
 * gone) by another one. The sweep also retries the disconnects that could not reach the store.
 */
export class Presence {
  /** The clocks of each user in a grace window: when they are shown away, when they are let go. */
  private readonly expiries = new Map<UserId, NodeJS.Timeout[]>();
  private readonly running = new Set<Promise<unknown>>();
  private readonly sweeper: NodeJS.Timeout | null = null;
  /** Sockets whose disconnect did not all reach the store (it was unreachable): every sweep tries again. */
  private readonly undetached = new Map<string, User>();
  private stopped = false;

  constructor(
    private readonly store: PresenceStore,
    private readonly announcer: PresenceAnnouncer,
    private readonly options: PresenceOptions,
  ) {
    store.onLeaseRestored?.({
      back: (user) => announcer.announce(SERVER_EVENTS.back, user),
      unlisted: options.dropSocket,
    });
    if (store.sweep) {
      this.sweeper = setInterval(() => this.background("sweep", () => this.sweep()), options.sweepMs);
      this.sweeper.unref();
    }
  }

  /**
   * Holds the user's name. A clock starts at once, as long as the grace window but never shorter than
   * a handshake needs: if the handshake never turns into a connected socket, the name is still freed.
   */
  async claim(user: User): Promise<ClaimResult> {
    const windowMs = Math.max(this.options.graceMs, HANDSHAKE_WINDOW_MS);
    const result = await this.store.claim(user, windowMs);
    if (result === "taken") return result;
    if (result === "joined") this.announcer.announce(SERVER_EVENTS.joined, user);
    try {
      if ((await this.store.connectionCount(user.id)) === 0) await this.startGrace(user.id, windowMs);
    } catch (error) {
      // With no clock, a new claim would hold the name for as long as the store lives, and the client,
      // refused, could not take it back: it is undone. A resumed claim keeps the clock or sockets it had.
      if (result === "joined")
        await this.leave(user).catch((undo) => this.options.logFailure(undo, { what: "undo claim" }));
      throw error;
    }
    return result;
  }

  /** Resolves to false when the user is no longer listed: logged out since the handshake. */
  connected(user: User, socketId: string): Promise<boolean> {
    return this.track(async () => {
      this.cancelGrace(user.id);
      const attached = await this.store.attach(user.id, socketId);
      if (attached === "back") this.announcer.announce(SERVER_EVENTS.back, user);
      return attached !== "unlisted";
    });
  }

  disconnected(user: User, socketId: string): Promise<void> {
    return this.track(async () => {
      try {
        if ((await this.store.detach(user.id, socketId)) === 0) await this.startGrace(user.id);
      } catch (error) {
        // Left in the store, the socket would keep its user listed for as long as this process runs; detached
        // with no grace window, nothing would ever let them go. Detaching again is harmless.
        this.undetached.set(socketId, user);
        throw error;
      }
    });
  }

  /** Logout: unlisted at once, no grace. */
  async leave(user: User): Promise<void> {
    this.cancelGrace(user.id);
    this.announceLeft(await this.store.release(user.id));
  }

  holderOf(key: string): Promise<User | null> {
    return this.store.holderOf(key);
  }

  /**
   * Stops the clocks and waits for socket changes under way to reach the store; users are not announced
   * as gone, since the whole server is (with a shared store, the other processes release them later).
   */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.sweeper) clearInterval(this.sweeper);
    for (const id of [...this.expiries.keys()]) this.cancelGrace(id);
    await Promise.allSettled([...this.running]);
  }

  private async startGrace(id: UserId, windowMs = this.options.graceMs): Promise<void> {
    // Shown away only if still listed by then: a window shorter than awayMs just ends.
    const showsAway = this.options.awayMs < windowMs;
    const grace = await this.store.startGrace(id, windowMs, showsAway ? this.options.awayMs : null);
    if (this.stopped) return;
    this.cancelGrace(id);
    const leave = setTimeout(() => {
      this.expiries.delete(id);
      this.background("grace", async () => this.announceLeft(await this.store.endGrace(id, grace)));
    }, windowMs);
    const timers = [leave];
    if (showsAway) timers.push(this.awayClock(id, grace));
    this.expiries.set(id, timers);
  }

  private awayClock(id: UserId, grace: GraceToken): NodeJS.Timeout {
    return setTimeout(() => {
      this.background("away", async () => {
        const away = await this.store.markAway(id, grace);
        if (away) this.announcer.announce(SERVER_EVENTS.away, away);
      });
    }, this.options.awayMs);
  }

  private cancelGrace(id: UserId): void {
    for (const timer of this.expiries.get(id) ?? []) clearTimeout(timer);
    this.expiries.delete(id);
  }

  private async sweep(): Promise<void> {
    for (const [socketId, user] of this.undetached) {
      this.undetached.delete(socketId);
      await this.disconnected(user, socketId);
    }
    const swept = await this.store.sweep?.(this.options.graceMs);
    for (const user of swept?.away ?? []) this.announcer.announce(SERVER_EVENTS.away, user);
    for (const user of swept?.released ?? []) this.announceLeft(user);
  }

  private announceLeft(user: User | null): void {
    if (user) this.announcer.announce(SERVER_EVENTS.left, user);
  }

  /** Work that stop() waits for. */
  private track<T>(work: () => Promise<T>): Promise<T> {
    const promise = work();
    this.running.add(promise);
    const forget = () => this.running.delete(promise);
    promise.then(forget, forget);
    return promise;
  }

  /** Work started by a timer: nobody awaits it, so a failure (the store unreachable) is logged here. */
  private background(what: string, work: () => Promise<void>): void {
    this.track(work).catch((error: unknown) => this.options.logFailure(error, { what }));
  }
}
