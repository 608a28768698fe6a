import { nameKey, type UserSummary } from "@chat/shared";
import { defineStore } from "pinia";
import { computed, ref } from "vue";

const byName = new Intl.Collator(undefined, { sensitivity: "base" });

/** The live online list: a full `users` snapshot on connect, then `user:joined` / `user:left` deltas. */
export const usePresence = defineStore("presence", () => {
  /** By name key: the user who holds the name now. */
  const online = ref(new Map<string, UserSummary>());

  const users = computed(() => [...online.value.values()].sort((a, b) => byName.compare(a.name, b.name)));
  const count = computed(() => online.value.size);

  function reset(users: UserSummary[]): void {
    online.value = new Map(users.map((user) => [nameKey(user.name), user]));
  }

  function joined(user: UserSummary): void {
    online.value.set(nameKey(user.name), user);
  }

  /** Only that identity: a `user:left` of an earlier holder never unlists whoever has the name now. */
  function left({ name, id }: UserSummary): void {
    if (online.value.get(nameKey(name))?.id === id) online.value.delete(nameKey(name));
  }

  function isOnline(name: string): boolean {
    return online.value.has(nameKey(name));
  }

  /**
   * Those whose name holds what was typed, compared as names are (case and compatibility forms aside), in
   * list order; everyone for nothing typed.
   */
  function matching(typed: string): UserSummary[] {
    const key = nameKey(typed.trim());
    return key === "" ? users.value : users.value.filter((user) => nameKey(user.name).includes(key));
  }

  /** Who holds the name now: the peer it is, or someone else under the name of an earlier one. */
  function idOf(name: string): string | undefined {
    return online.value.get(nameKey(name))?.id;
  }

  return { users, count, reset, joined, left, isOnline, idOf, matching };
});
