import type { ChatMessage, UserSummary } from "@chat/shared";
import { defineStore } from "pinia";
import { shallowRef } from "vue";
import { useConversation } from "./conversation";
import { useSession } from "./session";

/**
 * A join or leave seen live goes into the line it follows, if that line began less than this long ago and no
 * group message has come after it: a burst of arrivals is one line, not a screenful.
 */
export const COALESCE_MS = 60_000;
/** Lines kept, the oldest dropped first: bounded however long the tab stays open among comings and goings. */
export const LINES_KEPT = 100;
/**
 * Someone listed before my own reconnect who joins within this long after it is coming back from the same
 * outage (after a server restart everyone resumes, one by one), not arriving: no line.
 */
export const RETURNING_MS = 60_000;

/** "Ana and Bo joined; Cy left": a burst of comings and goings in the group chat, between two messages. */
export interface PresenceLine {
  /** Negative, counting down: a line's key never meets a message id among the rows of the list. */
  key: number;
  /** When its first event came, by the server's clock as far as this tab can tell: its place among messages. */
  at: number;
  /** In the order they came; nobody in both (a join and a leave of one identity cancel out). */
  joined: readonly UserSummary[];
  left: readonly UserSummary[];
}

export type PresenceChange = "joined" | "left";

/**
 * The line with one more event. A join and a leave of the same identity within one line cancel out: someone
 * who came and went while nobody wrote was not met by anyone, and a leave then a join is nothing changed.
 * Null once nobody is left in it.
 */
function withChange(line: PresenceLine, user: UserSummary, change: PresenceChange): PresenceLine | null {
  const [same, opposite] = change === "joined" ? [line.joined, line.left] : [line.left, line.joined];
  const withoutUser = opposite.filter(({ id }) => id !== user.id);
  const [nextSame, nextOpposite] =
    withoutUser.length < opposite.length
      ? [same, withoutUser]
      : [same.some(({ id }) => id === user.id) ? same : [...same, user], opposite];
  const next =
    change === "joined"
      ? { ...line, joined: nextSame, left: nextOpposite }
      : { ...line, joined: nextOpposite, left: nextSame };
  return next.joined.length + next.left.length === 0 ? null : next;
}

/**
 * Who came and went in the group chat while this tab was connected: live `user:joined` and `user:left` only,
 * never the online list a connection starts with. Not saved across a reload: it is what this tab saw, the
 * server keeps no such record, and after a reload the online list says who is here.
 */
export const usePresenceLines = defineStore("presence-lines", () => {
  const lines = shallowRef<readonly PresenceLine[]>([]);
  let nextKey = -1;
  /**
   * My clock minus the server's (plus the quickest delivery), from this connection's live messages: lines are
   * stamped with my clock and placed among messages stamped with the server's, so a clock off by minutes
   * would otherwise put "Ana joined" after Ana's first message. Null until a message arrives on this
   * connection; the previous estimate stands in meanwhile (a clock set while the tab slept starts it over).
   */
  let skew: number | null = null;
  let lastSkew = 0;
  /** Identity → until when their join is a return (see RETURNING_MS). */
  let returning = new Map<string, number>();

  /** A message that arrived live or in an ack. */
  function messageArrived(message: ChatMessage): void {
    const seen = Date.now() - message.sentAt;
    skew = skew === null ? seen : Math.min(skew, seen);
    lastSkew = skew;
  }

  /** A connection's online list (`before`: the one shown until now); no line for any difference. */
  function listArrived(before: readonly UserSummary[], now: readonly UserSummary[]): void {
    const listed = new Set(now.map(({ id }) => id));
    const until = Date.now() + RETURNING_MS;
    returning = new Map([...returning].filter(([, ends]) => ends > Date.now()));
    for (const { id } of before) if (!listed.has(id)) returning.set(id, until);
    skew = null;
  }

  /** A `user:joined` of someone not listed until now. */
  function joined(user: UserSummary): void {
    const returnEnds = returning.get(user.id);
    returning.delete(user.id);
    if (returnEnds === undefined || returnEnds <= Date.now()) record(user, "joined");
  }

  /** A `user:left` of someone listed until now. */
  function left(user: UserSummary): void {
    record(user, "left");
  }

  function record(user: UserSummary, change: PresenceChange): void {
    if (user.id === useSession().id) return;
    const now = Date.now() - (skew ?? lastSkew);
    const last = lines.value.at(-1);
    const newestSentAt = useConversation(null).messages.at(-1)?.sentAt ?? Number.NEGATIVE_INFINITY;
    if (last !== undefined && now - last.at < COALESCE_MS && newestSentAt <= last.at) {
      const next = withChange(last, user, change);
      lines.value = [...lines.value.slice(0, -1), ...(next ? [next] : [])];
      return;
    }
    const line = withChange({ key: nextKey--, at: now, joined: [], left: [] }, user, change);
    if (line) lines.value = [...lines.value, line].slice(-LINES_KEPT);
  }

  /** Signed out: the next login starts from an empty page. */
  function clear(): void {
    lines.value = [];
    returning = new Map();
    skew = null;
  }

  return { lines, messageArrived, listArrived, joined, left, clear };
});
