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
/** While the reader is elsewhere, the group chat is told of at most once in this long. */
export const GROUP_TOLD_EVERY_MS = 5_000;

/**
 * What a screen reader is told of as it happens: each message that arrives live from someone else, once,
 * and each of mine that fails to go. The message lists are not live regions themselves: being virtualised,
 * they add rows as history loads and as the reader scrolls, and a live list would read those out as if
 * they were new.
 *
 * A busy group chat would be read without end to someone writing privately: while the reader is not in
 * the group's window, its first message is read, and those that follow within GROUP_TOLD_EVERY_MS are
 * counted, in one line at the end of that time ("3 more messages in Everyone").
 */
export const useAnnouncer = defineStore("announcer", () => {
  const said = ref<Announcement[]>([]);
  let spoken = 0;
  /** Group messages counted, not read, since the last line about the group; and when the next may go. */
  let groupHeld = 0;
  let groupTimer: ReturnType<typeof setTimeout> | undefined;

  function say(text: string): void {
    said.value = [...said.value.slice(1 - KEPT), { key: ++spoken, text }];
  }

  /** `reading`: the reader is in the message's conversation (its window has the focus). */
  function arrived(message: ChatMessage, reading: boolean): void {
    if (message.to !== null) say(`${message.from}, privately: ${message.text}`);
    else if (reading) say(`${message.from}: ${message.text}`);
    else if (groupTimer !== undefined) groupHeld++;
    else {
      say(`${message.from}: ${message.text}`);
      groupTimer = setTimeout(tellHeld, GROUP_TOLD_EVERY_MS);
    }
  }

  function tellHeld(): void {
    groupTimer = undefined;
    if (groupHeld === 0) return;
    say(groupHeld === 1 ? "1 more message in Everyone" : `${groupHeld} more messages in Everyone`);
    groupHeld = 0;
    groupTimer = setTimeout(tellHeld, GROUP_TOLD_EVERY_MS);
  }

  /** Shown failed in its list, which says nothing by itself. */
  function notSent({ to, text, failure }: OutgoingMessage): void {
    say(`Not sent${to === null ? "" : ` to ${to.name}`}: ${text}. ${failure ?? ""}`.trimEnd());
  }

  function clear(): void {
    said.value = [];
    clearTimeout(groupTimer);
    groupTimer = undefined;
    groupHeld = 0;
  }

  return { said, arrived, notSent, clear };
});
