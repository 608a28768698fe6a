import { LIMITS, MessageIdSchema, UserIdSchema, UserSummarySchema } from "@chat/shared";
import * as v from "valibot";
import { watch } from "vue";
import { useCatchUp } from "../stores/catch-up";
import { conversationId, GROUP_CONVERSATION, useConversation } from "../stores/conversation";
import { useOutbox } from "../stores/outbox";
import { type PendingLogin, useSession } from "../stores/session";
import { useWindows } from "../stores/windows";

/*
 * What a tab keeps across reloads, in sessionStorage: each tab is its own login (two tabs can chat with each
 * other), a reload or a restored tab resumes it, and closing the tab forgets the token. localStorage would
 * make every tab of the browser the same user and keep the secret on disk after the tab is gone. A duplicated
 * tab gets a copy from the browser, so it resumes the same login: see read-across-tabs.
 */

// Numbers as the stores hold them: a watermark of 1e300 would start every catch-up past every message.
const TimeSchema = v.pipe(v.number(), v.safeInteger(), v.minValue(0));
/** 0: a login into a chat that had no message yet. */
const WatermarkSchema = v.nullable(TimeSchema);
/**
 * The store holds an entry per unread message, made again from the count on a reload: a count past this
 * many (days of a busy chat, unread) comes back as this many, rather than as an array that cannot be made.
 */
const UNREAD_RESTORED_MAX = 1_000_000;
const UnreadSchema = v.pipe(
  TimeSchema,
  v.transform((count) => Math.min(count, UNREAD_RESTORED_MAX)),
);

const OutgoingSchema = v.object({
  clientId: v.pipe(v.string(), v.maxLength(LIMITS.clientIdMaxLength)),
  to: v.nullable(UserSummarySchema),
  text: v.string(),
  createdAt: TimeSchema,
  state: v.picklist(["queued", "sending", "failed"]),
  failure: v.optional(v.string()),
});

const SavedStateSchema = v.object({
  token: v.string(),
  name: v.string(),
  id: UserIdSchema,
  newestId: WatermarkSchema,
  /** The ids that arrived live during a catch-up still under way (see the session store). */
  liveDuringCatchUp: v.optional(v.array(MessageIdSchema), []),
  windows: v.array(UserSummarySchema),
  /** Private conversations closed in this tab, the latest first: the way back to them (see OnlineList). */
  closed: v.optional(v.array(UserSummarySchema), []),
  /** The conversation ids of open windows shown as their title bar only. Not known from earlier builds. */
  minimised: v.optional(v.array(v.string()), []),
  /** Unread counts by conversation id, of the group and the open windows. */
  unread: v.optional(v.record(v.string(), UnreadSchema), {}),
  /**
   * The newest id among those unread, by conversation id: a read in another tab of the identity (a duplicate
   * of this one, say) clears them once it has read that far. Not known from earlier builds.
   */
  newestUnread: v.optional(v.record(v.string(), MessageIdSchema), {}),
  /**
   * What is typed and not sent, by conversation id, of the group and every kept window, closed ones too:
   * closing a window keeps its draft for when it opens again, and so does a reload.
   */
  drafts: v.optional(v.record(v.string(), v.string()), {}),
  outbox: v.array(OutgoingSchema),
});

export type SavedState = v.InferOutput<typeof SavedStateSchema>;

/**
 * What builds before identities saved: peers by name only. Brought forward rather than dropped, so the tab
 * stays logged in across the upgrade: my id is learnt from `session` (the first event of the connection,
 * before any message), private windows reopen as messages arrive, and unsent private messages are kept
 * when they named their peer's id, as nearly all did.
 */
const EarlierStateSchema = v.pipe(
  v.object({
    token: v.string(),
    name: v.string(),
    newestId: WatermarkSchema,
    unread: v.optional(v.record(v.string(), UnreadSchema), {}),
    outbox: v.array(
      v.object({ ...OutgoingSchema.entries, to: v.nullable(v.string()), toId: v.optional(UserIdSchema) }),
    ),
  }),
  v.transform(
    ({ token, name, newestId, unread, outbox }): SavedState => ({
      token,
      name,
      id: "",
      newestId,
      liveDuringCatchUp: [],
      windows: [],
      closed: [],
      minimised: [],
      unread: { [GROUP_CONVERSATION]: unread[GROUP_CONVERSATION] ?? 0 },
      newestUnread: {},
      drafts: {},
      outbox: outbox.flatMap(({ to, toId, ...entry }): SavedState["outbox"] => {
        if (to === null) return [{ ...entry, to: null }];
        return toId === undefined ? [] : [{ ...entry, to: { name: to, id: toId } }];
      }),
    }),
  ),
);

/** A login a reload cut short, its answer not there yet: the page goes on with it (see ChatConnection.continueLogin). */
const PendingLoginSchema = v.object({ name: v.string(), newToken: v.string() });

/** The key stays that of the first build: what earlier builds saved under it is read and brought forward. */
const KEY = "chat:v1";
const LOGIN_KEY = "chat:v1:login";

function load<T>(schema: v.GenericSchema<unknown, T>, key: string, storage: Storage): T | null {
  try {
    const parsed = v.safeParse(schema, JSON.parse(storage.getItem(key) ?? "null"));
    return parsed.success ? parsed.output : null;
  } catch {
    return null; // unreadable JSON: start signed out rather than not at all
  }
}

function save(key: string, value: unknown, storage: Storage): void {
  if (value === null) storage.removeItem(key);
  else storage.setItem(key, JSON.stringify(value));
}

export function loadSavedState(storage: Storage = sessionStorage): SavedState | null {
  return load(v.union([SavedStateSchema, EarlierStateSchema]), KEY, storage);
}

export function saveState(state: SavedState | null, storage: Storage = sessionStorage): void {
  save(KEY, state, storage);
}

export function loadPendingLogin(storage: Storage = sessionStorage): PendingLogin | null {
  return load(PendingLoginSchema, LOGIN_KEY, storage);
}

export function savePendingLogin(login: PendingLogin | null, storage: Storage = sessionStorage): void {
  save(LOGIN_KEY, login, storage);
}

/** Writes the tab's state on every change that matters after a reload; signing out erases it. */
export function keepSavedState(): void {
  const session = useSession();
  const catchUp = useCatchUp();
  const windows = useWindows();
  const outbox = useOutbox();
  watch(
    () =>
      session.token === null || session.name === null || session.id === null
        ? null
        : {
            token: session.token,
            name: session.name,
            id: session.id,
            newestId: catchUp.newestId,
            liveDuringCatchUp: [...catchUp.liveDuringCatchUp],
            windows: windows.open,
            closed: windows.closed,
            minimised: windows.minimised,
            unread: Object.fromEntries(
              [null, ...windows.open].map((peer) => [conversationId(peer), useConversation(peer).unread]),
            ),
            newestUnread: Object.fromEntries(
              [null, ...windows.open].flatMap((peer) => {
                const newest = useConversation(peer).newestUnread;
                return newest === null ? [] : [[conversationId(peer), newest]];
              }),
            ),
            drafts: Object.fromEntries(
              [null, ...windows.kept]
                .map((peer) => [conversationId(peer), useConversation(peer).draft])
                .filter(([, draft]) => draft !== ""),
            ),
            outbox: outbox.entries,
          },
    (state) => saveState(state),
    { deep: true },
  );
  // Only while it is under way: one refused is over, and the user chooses whether to try again.
  watch(
    () => (session.status === "joining" ? session.pendingLogin : null),
    (login) => savePendingLogin(login),
    { deep: true },
  );
}

/** Puts what was saved before a reload back into the stores: the login, windows, drafts, unread and outbox. */
export function restoreSavedState(saved: SavedState): void {
  const catchUp = useCatchUp();
  const windows = useWindows();
  useSession().established(saved);
  if (saved.newestId !== null) catchUp.advance(saved.newestId);
  // A reload cut a catch-up short: it resumes on connecting, and what came live during it counts once.
  if (saved.liveDuringCatchUp.length > 0) catchUp.start(saved.liveDuringCatchUp);
  windows.restore(saved.windows, saved.closed, saved.minimised);
  for (const peer of [null, ...windows.kept]) {
    const id = conversationId(peer);
    useConversation(peer).restore({
      unread: saved.unread[id] ?? 0,
      newestUnread: saved.newestUnread[id] ?? null,
      draft: saved.drafts[id] ?? "",
    });
  }
  useOutbox().restore(saved.outbox);
}
