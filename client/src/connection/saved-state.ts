import { LIMITS } from "@chat/shared";
import * as v from "valibot";
import { watch } from "vue";
import { conversationId, useConversation } from "../stores/conversation";
import { useOutbox } from "../stores/outbox";
import { useSession } from "../stores/session";
import { useWindows } from "../stores/windows";

/**
 * What a tab keeps across reloads, in sessionStorage: each tab is its own login (two tabs can chat with each
 * other), a reload or a restored tab resumes it, and closing the tab forgets the token. localStorage would
 * make every tab of the browser the same user and keep the secret on disk after the tab is gone.
 */
const SavedStateSchema = v.object({
  token: v.string(),
  name: v.string(),
  newestId: v.nullable(v.number()),
  joinedAfter: v.optional(v.number(), 0),
  windows: v.array(v.string()),
  /** Unread counts by conversation id, of the group and the open windows. */
  unread: v.optional(v.record(v.string(), v.number()), {}),
  outbox: v.array(
    v.object({
      clientId: v.pipe(v.string(), v.maxLength(LIMITS.clientIdMaxLength)),
      to: v.nullable(v.string()),
      toId: v.optional(v.pipe(v.string(), v.maxLength(LIMITS.userIdMaxLength))),
      text: v.string(),
      createdAt: v.number(),
      state: v.picklist(["queued", "sending", "failed"]),
      failure: v.optional(v.string()),
    }),
  ),
});

export type SavedState = v.InferOutput<typeof SavedStateSchema>;

const KEY = "chat:v1";

export function loadSavedState(storage: Storage = sessionStorage): SavedState | null {
  try {
    const parsed = v.safeParse(SavedStateSchema, JSON.parse(storage.getItem(KEY) ?? "null"));
    return parsed.success ? parsed.output : null;
  } catch {
    return null; // unreadable JSON: start signed out rather than not at all
  }
}

export function saveState(state: SavedState | null, storage: Storage = sessionStorage): void {
  if (state === null) storage.removeItem(KEY);
  else storage.setItem(KEY, JSON.stringify(state));
}

/** Writes the tab's state on every change that matters after a reload; signing out erases it. */
export function keepSavedState(): void {
  const session = useSession();
  const windows = useWindows();
  const outbox = useOutbox();
  watch(
    () =>
      session.token === null || session.name === null
        ? null
        : {
            token: session.token,
            name: session.name,
            newestId: session.newestId,
            joinedAfter: session.joinedAfter,
            windows: windows.open,
            unread: Object.fromEntries(
              [null, ...windows.open].map((peer) => [conversationId(peer), useConversation(peer).unread]),
            ),
            outbox: outbox.entries,
          },
    (state) => saveState(state),
    { deep: true },
  );
}
