import { type ChatMessage, CLIENT_EVENTS, LIMITS, SYNC_OVERLAP } from "@chat/shared";
import { useCatchUp } from "../stores/catch-up";
import { type Peer, useConversation } from "../stores/conversation";
import { askUntilAnswered } from "./retry";
import { ask, type ChatSocket } from "./socket";

// What this tab did not receive live: a conversation's history, and what it missed while away.

/** One history page of the conversation (the newest, or the one before `before`), merged into its store. */
export async function loadHistory(socket: ChatSocket, peer: Peer | null, before?: number): Promise<void> {
  const conversation = useConversation(peer);
  const limit = LIMITS.historyPageDefault;
  await conversation.loadingHistoryWhile(async () => {
    // No answer (the link dropped): the next connect loads what is still missing.
    const res = await askUntilAnswered(socket, (asking) =>
      ask(asking, CLIENT_EVENTS.history, { with: peer?.name ?? null, withId: peer?.id, before, limit }),
    );
    if (res?.ok) conversation.receiveHistory(res.messages, limit);
  });
}

/**
 * Histories asked for at once. A reconnect with many windows open would otherwise ask for all their pages
 * together, and most would be refused: an identity's reads run one at a time, with 8 waiting at most.
 */
const HISTORIES_AT_ONCE = 4;

/** The newest history page of each of these conversations, a few at a time. */
export async function loadHistories(socket: ChatSocket, peers: readonly (Peer | null)[]): Promise<void> {
  const waiting = [...peers];
  const lane = async () => {
    // null is the group chat; undefined, none left.
    for (let peer = waiting.shift(); peer !== undefined; peer = waiting.shift())
      await loadHistory(socket, peer);
  };
  await Promise.all(Array.from({ length: Math.min(HISTORIES_AT_ONCE, waiting.length) }, lane));
}

/**
 * `sync` until `more` is false: every message visible to me after the watermark, oldest first, each handed
 * to `file` (with whether it was seen before: it came again with the overlap, or arrived live meanwhile).
 */
export async function catchUp(
  socket: ChatSocket,
  file: (message: ChatMessage, seenBefore: boolean) => void,
): Promise<void> {
  const progress = useCatchUp();
  const seenUpTo = progress.newestId ?? 0;
  let after = Math.max(0, seenUpTo - SYNC_OVERLAP);
  for (;;) {
    const res = await askUntilAnswered(socket, (asking) => ask(asking, CLIENT_EVENTS.sync, { after }));
    // Cut off (or answered on a connection that has since been replaced): the next connect resumes it.
    if (!res?.ok) return;
    for (const message of res.messages) {
      file(message, message.id <= seenUpTo || progress.arrivedDuringCatchUp(message.id));
    }
    // A page is complete up to its last id, so the watermark can move there even if the next page is cut.
    const last = res.messages[res.messages.length - 1];
    if (last) progress.advance(last.id);
    if (!res.more || !last) return progress.caughtUp();
    after = last.id;
  }
}

/**
 * What a connection owes the tab once it is up: the newest page of each conversation shown without one, and
 * what the tab missed while away, unless the server replayed that (a recovered connection, with no earlier
 * catch-up cut short: that gap is older than anything recovery replays).
 */
export async function backfillOnConnect(
  socket: ChatSocket,
  windows: readonly Peer[],
  file: (message: ChatMessage, seenBefore: boolean) => void,
): Promise<void> {
  const progress = useCatchUp();
  const unloaded = [null, ...windows].filter((peer) => !useConversation(peer).historyLoaded);
  const histories = loadHistories(socket, unloaded);
  if (progress.newestId === null) {
    // A new login: the recent group history is the starting point; nothing older is owed.
    await histories;
    const group = useConversation(null);
    // Not loaded (the connection dropped first): the next connect starts from it again. A watermark of 0
    // would have that connect catch up on the whole of the chat's past, every message of it unread.
    if (group.historyLoaded) progress.advance(group.messages[group.messages.length - 1]?.id ?? 0);
    return;
  }
  if (socket.recovered && !progress.catchingUp) return;
  progress.start();
  await catchUp(socket, file);
}
