import { nameKey } from "@chat/shared";
import { defineStore } from "pinia";
import { computed, ref } from "vue";

const byName = new Intl.Collator(undefined, { sensitivity: "base" });

/** The live online list: a full `users` snapshot on connect, then `user:joined` / `user:left` deltas. */
export const usePresence = defineStore("presence", () => {
  const online = ref(new Map<string, string>());

  const names = computed(() => [...online.value.values()].sort(byName.compare));
  const count = computed(() => online.value.size);

  function reset(users: { name: string }[]): void {
    online.value = new Map(users.map(({ name }) => [nameKey(name), name]));
  }

  function joined(name: string): void {
    online.value.set(nameKey(name), name);
  }

  function left(name: string): void {
    online.value.delete(nameKey(name));
  }

  function isOnline(name: string): boolean {
    return online.value.has(nameKey(name));
  }

  return { names, count, reset, joined, left, isOnline };
});
