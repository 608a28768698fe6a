import { nameKey, type UserSummary } from "@chat/shared";
import { defineStore } from "pinia";
import { computed, shallowRef, triggerRef } from "vue";

const byName = new Intl.Collator(undefined, { sensitivity: "base" });

/** Where `user` goes in a list in name order: after every name that sorts before or with it. */
function placeOf(list: readonly UserSummary[], user: UserSummary): number {
  let [low, high] = [0, list.length];
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (byName.compare((list[middle] as UserSummary).name, user.name) <= 0) low = middle + 1;
    else high = middle;
  }
  return low;
}

/**
 * The live online list: a full `users` snapshot on connect, then `user:joined` / `user:left` deltas. The list
 * in name order is kept in order as deltas come rather than sorted again for each: with thousands online, a
 * sort is about 10 ms of the page's main thread, and presence rounds come up to 20 times a second.
 */
export const usePresence = defineStore("presence", () => {
  /** By name key: the user who holds the name now. */
  const online = shallowRef(new Map<string, UserSummary>());
  /** Everyone listed, in name order (whatever the case); a new array for every change. */
  const users = shallowRef<readonly UserSummary[]>([]);
  const count = computed(() => users.value.length);

  function reset(list: UserSummary[]): void {
    online.value = new Map(list.map((user) => [nameKey(user.name), user]));
    users.value = [...online.value.values()].sort((a, b) => byName.compare(a.name, b.name));
  }

  function joined(user: UserSummary): void {
    const key = nameKey(user.name);
    const earlier = online.value.get(key);
    online.value.set(key, user);
    triggerRef(online);
    const list = earlier ? users.value.filter((listed) => listed !== earlier) : [...users.value];
    list.splice(placeOf(list, user), 0, user);
    users.value = list;
  }

  /** Only that identity: a `user:left` of an earlier holder never unlists whoever has the name now. */
  function left({ name, id }: UserSummary): void {
    const key = nameKey(name);
    const holder = online.value.get(key);
    if (holder?.id !== id) return;
    online.value.delete(key);
    triggerRef(online);
    users.value = users.value.filter((listed) => listed !== holder);
  }

  function isOnline(name: string): boolean {
    return online.value.has(nameKey(name));
  }

  /**
   * Those whose name holds what was typed, compared as names are (case and compatibility forms aside), in
   * list order; everyone for nothing typed.
   */
  function matching(typed: string): readonly UserSummary[] {
    const key = nameKey(typed.trim());
    return key === "" ? users.value : users.value.filter((user) => nameKey(user.name).includes(key));
  }

  /** Who holds the name now: the peer it is, or someone else under the name of an earlier one. */
  function idOf(name: string): string | undefined {
    return online.value.get(nameKey(name))?.id;
  }

  return { users, count, reset, joined, left, isOnline, idOf, matching };
});
