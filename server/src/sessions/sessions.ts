import { ErrorCode, failure, type Parsed, SESSION_ENDED } from "@chat/shared";
import { uniqueNameKey } from "@chat/shared/name-skeleton";
import type { Presence } from "../presence/presence.js";
import type { User } from "../users.js";
import type { SessionStore } from "./store.js";
import { hashToken, newToken, newUserId, userIdOf } from "./tokens.js";

export interface Session {
  user: User;
  /** The secret; only ever sent to its owner. */
  token: string;
}

/** Logging in, resuming by token and logging out; names are held through presence. */
export class Sessions {
  constructor(
    private readonly store: SessionStore,
    private readonly presence: Presence,
  ) {}

  /**
   * `token`: one the client made for this login (see HandshakeAuth), or none for the server to make one. A
   * retry of the login, its connection lost before the client learned that it got through, resumes the
   * session it made instead of finding the name taken, its own; so does a retry that comes while the first
   * attempt is still under way, on this process or another, as both are one identity (see userIdOf).
   */
  async login(name: string, token: string | null): Promise<Parsed<Session>> {
    const key = uniqueNameKey(name);
    if (token === null) return this.start({ id: newUserId(), name, key }, newToken(), false);
    // A token that ended is refused before any name is claimed for it.
    if (await this.store.tokenUsed(hashToken(token))) return this.resume(token);
    return this.start({ id: userIdOf(token, key), name, key }, token, true);
  }

  /** `retried`: whether other attempts of this login may come, with the same token (the client's own). */
  private async start(user: User, token: string, retried: boolean): Promise<Parsed<Session>> {
    const claim = await this.presence.claim(user);
    if (claim === "taken") {
      // Often it is the same person: a tab of theirs still open, or closed a moment ago (held for the grace window).
      return failure(
        ErrorCode.NAME_TAKEN,
        `The name "${user.name}" is taken. If that is you in another tab, carry on there; a tab just closed frees its name shortly. Or choose another name.`,
      );
    }
    // Only a claim this attempt made is its to undo: one it found held is another attempt's of the same login.
    const undo = () => (claim === "joined" ? this.presence.leave(user) : Promise.resolve());
    const hash = hashToken(token);
    let created: boolean;
    try {
      created = await this.store.create(user, hash, Date.now());
    } catch (error) {
      // A retry may hold this very claim by now, and store its session: it keeps the name. Should no retry
      // come, the claim's window frees it.
      if (!retried) await undo();
      throw error;
    }
    if (created) return { ok: true, value: { user, token } };
    // Another attempt of this login made the session first: it is this one's too. Otherwise the token ended
    // meanwhile, or was a session's under another name: it cannot come back, and the client logs in anew.
    const made = await this.store.findByTokenHash(hash);
    if (made?.id === user.id) return { ok: true, value: { user: made, token } };
    await undo();
    return failure(ErrorCode.SESSION_EXPIRED, SESSION_ENDED);
  }

  /** The same identity and name again, unless the token ended or someone else took the name meanwhile. */
  async resume(token: string): Promise<Parsed<Session>> {
    const hash = hashToken(token);
    const user = await this.store.findByTokenHash(hash);
    if (!user) return this.refuseEnded(hash);
    if ((await this.presence.claim(user)) === "taken") {
      await this.store.end(user.id, Date.now());
      return nameTakenMeanwhile(user);
    }
    // A logout (on another process) may have ended the session and freed the name after the lookup and
    // before the claim, which then listed the user again: that claim must not outlive the session.
    if (!(await this.store.findByTokenHash(hash))) {
      await this.presence.leave(user);
      return failure(ErrorCode.SESSION_EXPIRED, SESSION_ENDED);
    }
    return { ok: true, value: { user, token } };
  }

  /**
   * The session ended, most often because someone else logged in under its name while its user was away
   * past the grace window: told so, they know why their name is refused if they log in with it again. Only
   * a token that was used says anything, and only what the online list already shows.
   */
  private async refuseEnded(hash: string): Promise<Parsed<never>> {
    const ended = await this.store.findEndedByTokenHash(hash);
    const holder = ended && (await this.presence.holderOf(ended.key));
    if (holder && holder.id !== ended.id) return nameTakenMeanwhile(ended);
    return failure(ErrorCode.SESSION_EXPIRED, SESSION_ENDED);
  }

  async logout(user: User): Promise<void> {
    await this.store.end(user.id, Date.now());
    await this.presence.leave(user);
  }

  /** Logs out the token's identity without a connection of its own; null when the token had already ended. */
  async logoutByToken(token: string): Promise<User | null> {
    const user = await this.store.findByTokenHash(hashToken(token));
    if (user) await this.logout(user);
    return user;
  }

  /** Whether the token's session has ended: logged out, not just let go at the end of a grace window. */
  async ended(token: string): Promise<boolean> {
    return (await this.store.findByTokenHash(hashToken(token))) === null;
  }

  isKnownName(key: string): Promise<boolean> {
    return this.store.isKnownName(key);
  }
}

function nameTakenMeanwhile(user: User): Parsed<never> {
  return failure(ErrorCode.SESSION_EXPIRED, `Someone else is now using the name "${user.name}".`);
}
