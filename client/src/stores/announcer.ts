import type { ChatMessage } from "@chat/shared";
import { defineStore } from "pinia";
import { ref } from "vue";
import type { OutgoingMessage } from "./outbox";

/** One thing said: a node of its own in the live region, so that the same words said twice are read twice. */
export interface Announcement {
  key: number;
  text: string;
}

/** The latest announcements the live region holds; a screen reader reads each as it is added. */
const KEPT = 5;

/**
 * What a screen reader is told of as it happens: each message that arrives live from someone else, once,
 * and each of mine that fails to go. The message lists are not live regions themselves: being virtualised,
 * they add rows as history loads and as the reader scrolls, and a live list would read those out as if
 * they were new.
 */
export const useAnnouncer = defineStore("announcer", () => {
  const said = ref<Announcement[]>([]);
  let spoken = 0;

  function say(text: string): void {
    said.value = [...said.value.slice(1 - KEPT), { key: ++spoken, text }];
  }

  function arrived(message: ChatMessage): void {
    const to = message.to === null ? "" : ", privately";
    say(`${message.from}${to}: ${message.text}`);
  }

  /** Shown failed in its list, which says nothing by itself. */
  function notSent({ to, text, failure }: OutgoingMessage): void {
    say(`Not sent${to === null ? "" : ` to ${to.name}`}: ${text}. ${failure ?? ""}`.trimEnd());
  }

  function clear(): void {
    said.value = [];
  }

  return { said, arrived, notSent, clear };
});
