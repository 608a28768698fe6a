import { nameKey, type UserSummary } from "@chat/shared";
import { defineStore } from "pinia";
import { computed, ref } from "vue";

const byName = new Intl.Collator(undefined, { sensitivity: "base" });

/** The live online list: a full `users` snapshot on connect, then `user:joined` / `user:left` deltas. */
export const usePresence = defineStore("presence", () => {
  /** By name key: the user who holds the name now. */
  const online = ref(new Map<string, UserSummary>());

  const names = computed(() => [...online.value.values()].map(({ name }) => name).sort(byName.compare));
  const count = computed(() => online.value.size);

  function reset(users: UserSummary[]): void {
    online.value = new Map(users.map((user) => [nameKey(user.name), user]));
  }

  function joined(user: UserSummary): void {
    online.value.set(nameKey(user.name), user);
  }

  function left({ name }: UserSummary): void {
    online.value.delete(nameKey(name));
  }

  function isOnline(name: string): boolean {
    return online.value.has(nameKey(name));
  }

  /** Who holds the name now: what a message written to that name means. */
  function idOf(name: string): string | undefined {
    return online.value.get(nameKey(name))?.id;
  }

  return { names, count, reset, joined, left, isOnline, idOf };
});
