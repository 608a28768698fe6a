import type { OnlineListChanges, OnlineUser, PresenceVersion, UserSummary } from "@chat/shared";
import type { ChatSocket } from "../transport/types.js";
import { summaryOf } from "../users.js";
import type { PresenceLog } from "./presence-log.js";
import type { ListedUser, PresenceStore } from "./store.js";

// What a greeting round sends each newcomer (see PresenceRounds): read from the store before the round is
// timed, so that waiting on the store does not space the rounds.

/** A socket to greet, and the version of the list its client holds, if any. */
export interface Newcomer {
  socket: ChatSocket;
  since: PresenceVersion | null;
}

/** What a greeting round sends, read from the store (see readLists). */
export interface Lists {
  version: PresenceVersion;
  /** The sockets sent the whole list, `everyone`. */
  whole: string[];
  everyone: ListedUser[] | null;
  /** The sockets sent what changed since the version their client holds... */
  answered: Resumed[];
  /** ...with how the list shows each identity changed, now. */
  listedNow: Map<string, OnlineUser>;
}

/** Sockets whose clients hold the list as of `since`, and what changed in it since. */
interface Resumed {
  since: PresenceVersion;
  ids: string[];
  changed: Map<string, UserSummary>;
}

/**
 * What each greeted socket is sent: the changes since the version it holds when `changes` knows them, or the
 * whole list.
 */
export async function readLists(
  newcomers: Newcomer[],
  changes: PresenceLog,
  store: Pick<PresenceStore, "online" | "listedAmong">,
): Promise<Lists> {
  // Rounds run in turn, so no change is passed on while the list is read: it holds at least these.
  const version = changes.version;
  const whole: string[] = [];
  const resumed: Resumed[] = [];
  for (const [since, ids] of groupedBySince(newcomers)) {
    const changed = since !== null && changes.changedSince(since);
    if (!changed) whole.push(...ids);
    else resumed.push({ since, ids, changed });
  }
  const changedIds = new Set(resumed.flatMap(({ changed }) => [...changed.keys()]));
  // Only the identities that changed, and how many are listed, unless some socket is sent everyone: in a
  // storm of resumes, each round would otherwise read (with Redis, parse) the whole list to send nobody.
  const online = whole.length > 0 ? await store.online() : null;
  const { count, users } = online
    ? { count: online.length, users: online.filter(({ id }) => changedIds.has(id)) }
    : await store.listedAmong([...changedIds]);
  const answered: Resumed[] = [];
  for (const group of resumed) {
    // A list no longer than the changes is sent whole: it says as much, and every client takes it.
    if (group.changed.size >= count) whole.push(...group.ids);
    else answered.push(group);
  }
  const everyone = whole.length > 0 ? (online ?? (await store.online())) : null;
  return {
    version,
    whole,
    everyone,
    answered,
    listedNow: new Map(users.map((user) => [user.id, entryOf(user)])),
  };
}

/** The ids of the greeted sockets still connected, by the version their clients hold (null: none). */
function groupedBySince(newcomers: Newcomer[]): Map<PresenceVersion | null, string[]> {
  const bySince = new Map<PresenceVersion | null, string[]>();
  for (const { socket, since } of newcomers) {
    if (!socket.connected) continue;
    const group = bySince.get(since);
    if (group) group.push(socket.id);
    else bySince.set(since, [socket.id]);
  }
  return bySince;
}

/** How the online list shows a listed user. */
export function entryOf(user: ListedUser): OnlineUser {
  return user.away ? { ...summaryOf(user), away: user.away } : summaryOf(user);
}

/** The changes since `since`: of each identity changed, how the list shows it now, or that it is gone. */
export function listChanges(
  since: PresenceVersion,
  changed: Map<string, UserSummary>,
  listed: Map<string, OnlineUser>,
  v: PresenceVersion,
): OnlineListChanges {
  const changes: OnlineListChanges = { since, listed: [], left: [], v };
  for (const [id, user] of changed) {
    const now = listed.get(id);
    if (now) changes.listed.push(now);
    else changes.left.push(user);
  }
  return changes;
}
