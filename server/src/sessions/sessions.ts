import { ErrorCode, failure, type Parsed, SESSION_ENDED } from "@chat/shared";
import { uniqueNameKey } from "@chat/shared/name-skeleton";
import type { Presence } from "../presence/presence.js";
import type { User } from "../users.js";
import type { SessionStore } from "./store.js";
import { hashToken, newToken, newUserId } from "./tokens.js";

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
   * session it made instead of finding the name taken, its own.
   */
  async login(name: string, token: string | null): Promise<Parsed<Session>> {
    if (token !== null && (await this.store.findByTokenHash(hashToken(token)))) return this.resume(token);
    const user: User = { id: newUserId(), name, key: uniqueNameKey(name) };
    if ((await this.presence.claim(user)) === "taken") {
      // Often it is the same person: a tab of theirs still open, or closed a moment ago (held for the grace window).
      return failure(
        ErrorCode.NAME_TAKEN,
        `The name "${name}" is taken. If that is you in another tab, carry on there; a tab just closed frees its name shortly. Or choose another name.`,
      );
    }
    const secret = token ?? newToken();
    let created: boolean;
    try {
      created = await this.store.create(user, hashToken(secret), Date.now());
    } catch (error) {
      await this.presence.leave(user);
      throw error;
    }
    if (created) return { ok: true, value: { user, token: secret } };
    // The client's token ended since this login first made a session with it (the name was taken while it
    // was away, say): it cannot come back, and the client logs in anew, with a token of its own again.
    await this.presence.leave(user);
    return failure(ErrorCode.SESSION_EXPIRED, SESSION_ENDED);
  }

  /** The same identity and name again, unless the token ended or someone else took the name meanwhile. */
  async resume(token: string): Promise<Parsed<Session>> {
    const hash = hashToken(token);
    const user = await this.store.findByTokenHash(hash);
    if (!user) return failure(ErrorCode.SESSION_EXPIRED, SESSION_ENDED);
    if ((await this.presence.claim(user)) === "taken") {
      await this.store.end(user.id, Date.now());
      return failure(ErrorCode.SESSION_EXPIRED, `Someone else is now using the name "${user.name}".`);
    }
    // A logout (on another process) may have ended the session and freed the name after the lookup and
    // before the claim, which then listed the user again: that claim must not outlive the session.
    if (!(await this.store.findByTokenHash(hash))) {
      await this.presence.leave(user);
      return failure(ErrorCode.SESSION_EXPIRED, SESSION_ENDED);
    }
    return { ok: true, value: { user, token } };
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

  isKnownName(key: string): Promise<boolean> {
    return this.store.isKnownName(key);
  }
}
