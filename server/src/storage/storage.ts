import type { MessageStore } from "../messages/store.js";
import type { PresenceStore } from "../presence/store.js";
import type { SessionStore } from "../sessions/store.js";

/** One backend's stores, opened together and closed together. */
export interface Storage {
  sessions: SessionStore;
  presence: PresenceStore;
  messages: MessageStore;
  /** Reachability, for /readyz. */
  ping(): Promise<void>;
  /**
   * Whether a store call failed because the store cannot be reached right now (the call did nothing and
   * may be tried again shortly), not because of the request or a fault of the server.
   */
  unreachable(error: unknown): boolean;
  /** Flushes pending writes, then closes. */
  close(): Promise<void>;
}
