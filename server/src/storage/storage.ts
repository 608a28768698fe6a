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
  /** Flushes pending writes, then closes. */
  close(): Promise<void>;
}
