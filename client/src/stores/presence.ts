import {
  nameKey,
  type OnlineListChanges,
  type OnlineUser,
  type PresenceVersion,
  type UserChange,
  type UserSummary,
} from "@chat/shared";
import { defineStore } from "pinia";
import { computed, shallowRef, triggerRef } from "vue";

export type PeerStatus = "here" | "away" | "offline" | "replaced";

const byName = new Intl.Collator(undefined, { sensitivity: "base" });

/** Where `user` goes in a list in name order: after every name that sorts before or with it. */
function placeOf(list: readonly OnlineUser[], user: UserSummary): number {
  let [low, high] = [0, list.length];
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (byName.compare((list[middle] as OnlineUser).name, user.name) <= 0) low = middle + 1;
    else high = middle;
  }
  return low;
}

/**
 * The live online list: a full `users` snapshot on connect, then deltas (`user:joined`, `user:away`…). The list
 * in name order is kept in order as deltas come rather than sorted again for each: with thousands online, a
 * sort is about 10 ms of the page's main thread, and presence rounds come up to 20 times a second.
 */
export const usePresence = defineStore("presence", () => {
  /** By name key: the user who holds the name now. */
  const online = shallowRef(new Map<string, OnlineUser>());
  /** Everyone listed, in name order (whatever the case); a new array for every change. */
  const users = shallowRef<readonly OnlineUser[]>([]);
  const count = computed(() => users.value.length);
  /**
   * The version of the list held (see PresenceVersion), kept while disconnected: a resume sends it, to be
   * sent what changed instead of everyone. Null with no list from this server, as after a reload.
   */
  let version: PresenceVersion | null = null;

  /** A whole list, at its version (none: the list of nobody, signed out). */
  function reset(list: OnlineUser[], at: PresenceVersion | null = null): void {
    online.value = new Map(list.map((user) => [nameKey(user.name), user]));
    users.value = [...online.value.values()].sort((a, b) => byName.compare(a.name, b.name));
    version = at;
  }

  /** The list held with `users:since` applied: those gone taken out, then those listed put in by name. */
  function withChanges({ listed, left }: OnlineListChanges): OnlineUser[] {
    const list = new Map(online.value);
    for (const { name, id } of left) if (list.get(nameKey(name))?.id === id) list.delete(nameKey(name));
    for (const user of listed) list.set(nameKey(user.name), user);
    return [...list.values()];
  }

  /** True when that identity was not listed before: news, not a repeat of what the list already said. */
  function joined({ v, ...user }: UserChange): boolean {
    version = v;
    const key = nameKey(user.name);
    const earlier = online.value.get(key);
    online.value.set(key, user);
    triggerRef(online);
    const list = earlier ? users.value.filter((listed) => listed !== earlier) : [...users.value];
    list.splice(placeOf(list, user), 0, user);
    users.value = list;
    return earlier?.id !== user.id;
  }

  /**
   * Only that identity: a `user:left` of an earlier holder never unlists whoever has the name now. True
   * when it was listed until now.
   */
  function left({ name, id, v }: UserChange): boolean {
    version = v;
    const key = nameKey(name);
    const holder = online.value.get(key);
    if (holder?.id !== id) return false;
    online.value.delete(key);
    triggerRef(online);
    users.value = users.value.filter((listed) => listed !== holder);
    return true;
  }

  /** `user:away` / `user:back`: only for that identity, and only while it is listed. */
  function setAway({ name, id, v }: UserChange, away: boolean): void {
    version = v;
    const key = nameKey(name);
    const holder = online.value.get(key);
    if (holder?.id !== id || (holder.away === true) === away) return;
    const changed: OnlineUser = away ? { ...holder, away } : { name: holder.name, id };
    online.value.set(key, changed);
    triggerRef(online);
    // The name is the same: the place in the list too.
    users.value = users.value.map((listed) => (listed === holder ? changed : listed));
  }

  /**
   * Where that identity stands: listed and connected (here), listed without a connection (away: messages
   * wait for them), unlisted (offline), or unlisted with its name someone else's now (replaced). The one
   * rule for the windows, the outbox and its rows.
   */
  function statusOf(peer: UserSummary): PeerStatus {
    const holder = online.value.get(nameKey(peer.name));
    if (holder === undefined) return "offline";
    if (holder.id !== peer.id) return "replaced";
    return holder.away ? "away" : "here";
  }

  /**
   * Those whose name holds what was typed, compared as names are (case and compatibility forms aside), in
   * list order; everyone for nothing typed.
   */
  function matching(typed: string): readonly OnlineUser[] {
    const key = nameKey(typed.trim());
    return key === "" ? users.value : users.value.filter((user) => nameKey(user.name).includes(key));
  }

  return {
    users,
    count,
    reset,
    withChanges,
    joined,
    left,
    setAway,
    statusOf,
    matching,
    version: () => version,
  };
});
