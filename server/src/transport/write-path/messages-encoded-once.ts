import type { ChatMessage } from "@chat/shared";

/**
 * The JSON of each message an answer carries, written once for every answer that carries the same message
 * object. In a reconnect storm every client's `sync` answer holds the same newest group messages, which
 * the stores keep as the same objects (SQLite's RecentGroup, Redis's ParsedMessages), and JSON.stringify
 * walked each of them again for each client: 12 % of the server's time in a storm of 5,000. Keyed by the
 * object, so a message read afresh for one answer (a private conversation's rows) is written once and
 * forgotten with it. Messages are never changed once stored, so their JSON never goes stale.
 */
const messageJson = new WeakMap<ChatMessage, string>();

/** Answers whose `messages` are encoded from messageJson (see answerJson). */
const answers = new WeakSet<object>();

/** Marks an acknowledgement's answer as one whose messages are worth encoding once (see messageJson). */
export function withMessagesEncodedOnce<const T extends { messages: ChatMessage[] }>(answer: T): T {
  answers.add(answer);
  return answer;
}

/**
 * The JSON of an acknowledgement's arguments, `[answer]`, when the answer was marked; null otherwise.
 * Byte for byte what JSON.stringify gives: the same keys in the same order, undefined values left out.
 */
export function answerJson(args: unknown): string | null {
  if (!Array.isArray(args) || args.length !== 1 || !answers.has(args[0])) return null;
  const fields: string[] = [];
  for (const [key, value] of Object.entries(args[0] as object)) {
    if (value === undefined) continue;
    const json = key === "messages" ? messagesJson(value as ChatMessage[]) : JSON.stringify(value);
    fields.push(`${JSON.stringify(key)}:${json}`);
  }
  return `[{${fields.join(",")}}]`;
}

function messagesJson(messages: ChatMessage[]): string {
  const parts = new Array<string>(messages.length);
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i] as ChatMessage;
    let json = messageJson.get(message);
    if (json === undefined) {
      json = JSON.stringify(message);
      messageJson.set(message, json);
    }
    parts[i] = json;
  }
  return `[${parts.join(",")}]`;
}
