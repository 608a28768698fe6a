import { randomBytes } from "node:crypto";
import type { PresenceVersion, UserSummary } from "@chat/shared";

/**
 * Changes kept for clients that resume. Past as many changes as there are people listed, the whole list
 * is no larger than what changed, so keeping more would buy nothing on a chat of that size.
 */
const PRESENCE_CHANGES_KEPT = 10_000;

/**
 * The online list's changes in the order this process passed them to its sockets, numbered. A version
 * names a point in that order, `<epoch>:<number>`; the epoch is new at every start, so a version from
 * another process, or from before a restart, is never taken for one of this process's. The latest
 * PRESENCE_CHANGES_KEPT changes are kept (up to twice that between trims), so that a client resuming with
 * a version can be told which identities changed since, instead of being sent the whole list.
 */
export class PresenceLog {
  private epoch = newEpoch();
  private last = 0;
  /** The kept changes, oldest first: the one at index i is change number `first + i`. */
  private kept: UserSummary[] = [];
  private first = 1;

  constructor(private readonly keep = PRESENCE_CHANGES_KEPT) {}

  /**
   * Forgets every change, as a restart does: changes passed on elsewhere never reached this process, so
   * what it kept is not all that changed, and every client that resumes must be sent the whole list.
   */
  restart(): void {
    this.epoch = newEpoch();
    this.last = 0;
    this.kept = [];
    this.first = 1;
  }

  /** The version once every change recorded so far is applied. */
  get version(): PresenceVersion {
    return `${this.epoch}:${this.last}`;
  }

  /** Numbers a change of `user`'s; returns the list's version with it applied. */
  record(user: UserSummary): PresenceVersion {
    this.last++;
    this.kept.push(user);
    if (this.kept.length >= 2 * this.keep) {
      const dropped = this.kept.length - this.keep;
      this.kept = this.kept.slice(dropped);
      this.first += dropped;
    }
    return this.version;
  }

  /**
   * Every identity with a change after `version`, as its latest change named it (by id); null for a
   * version this process did not give, or whose later changes are no longer all kept.
   */
  changedSince(version: PresenceVersion): Map<string, UserSummary> | null {
    const colon = version.lastIndexOf(":");
    if (colon < 0 || version.slice(0, colon) !== this.epoch) return null;
    const digits = version.slice(colon + 1);
    if (!/^\d{1,15}$/.test(digits)) return null;
    const seen = Number(digits);
    if (seen > this.last || seen < this.first - 1) return null;
    const changed = new Map<string, UserSummary>();
    for (let index = seen + 1 - this.first; index < this.kept.length; index++) {
      const user = this.kept[index] as UserSummary;
      changed.set(user.id, user);
    }
    return changed;
  }
}

function newEpoch(): string {
  return randomBytes(6).toString("base64url");
}
