import type { ChatMessage } from "@chat/shared";
import { defineStore } from "pinia";
import { ref } from "vue";

/**
 * What a screen reader is told of as it happens: each message that arrives live from someone else, once.
 * The message lists are not live regions themselves: being virtualised, they add rows as history loads and
 * as the reader scrolls, and a live list would read those out as if they were new.
 */
export const useAnnouncer = defineStore("announcer", () => {
  const latest = ref("");

  function arrived(message: ChatMessage): void {
    const to = message.to === null ? "" : ", privately";
    latest.value = `${message.from}${to}: ${message.text}`;
  }

  function clear(): void {
    latest.value = "";
  }

  return { latest, arrived, clear };
});
