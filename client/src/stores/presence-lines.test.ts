import type { ChatMessage, UserSummary } from "@chat/shared";
import { createPinia, setActivePinia } from "pinia";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { lineSegments } from "../components/presence-line-text";
import { useConversation } from "./conversation";
import { COALESCE_MS, LINES_KEPT, type PresenceLine, RETURNING_MS, usePresenceLines } from "./presence-lines";
import { useSession } from "./session";

const [ana, bo, cy] = [
  { name: "Ana", id: "ana-id" },
  { name: "Bo", id: "bo-id" },
  { name: "Cy", id: "cy-id" },
];
const me = { name: "Me", id: "me-id" };
const text = (line: PresenceLine | undefined) =>
  line === undefined
    ? undefined
    : lineSegments(line)
        .map((segment) => segment.text)
        .join("");

/** A group message sent now (the test's server and tab share one clock). */
function groupMessage(id: number): ChatMessage {
  return {
    id,
    from: "Ana",
    fromId: ana.id,
    to: null,
    toId: null,
    text: "hi",
    sentAt: Date.now(),
    clientId: `c${id}`,
  };
}

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 });
  setActivePinia(createPinia());
  useSession().established({ ...me, token: "t" });
});
afterEach(() => vi.useRealTimers());

describe("join and leave lines of the group chat", () => {
  it("coalesces a burst into one line, naming two and counting the rest", () => {
    const lines = usePresenceLines();
    const people = ["Ana", "Bo", "Cy", "Dee", "Eve"].map((name) => ({ name, id: `${name}-id` }));
    for (const person of people) {
      lines.joined(person);
      vi.advanceTimersByTime(1_000);
    }
    lines.left({ name: "Fay", id: "fay-id" });
    expect(lines.lines.map(text)).toEqual(["Ana, Bo and 3 others joined; Fay left"]);
  });

  it("starts a new line once a group message came after the last one, or the burst grew old", () => {
    const lines = usePresenceLines();
    lines.joined(ana);
    vi.advanceTimersByTime(10);
    useConversation(null).arrive(groupMessage(1));
    lines.joined(bo);
    vi.advanceTimersByTime(COALESCE_MS);
    lines.left(cy);
    expect(lines.lines.map(text)).toEqual(["Ana joined", "Bo joined", "Cy left"]);
  });

  it("cancels a join and a leave of the same person within one line, and drops a line left empty", () => {
    const lines = usePresenceLines();
    lines.joined(ana);
    lines.joined(bo);
    lines.left(ana);
    expect(lines.lines.map(text)).toEqual(["Bo joined"]);
    lines.left(bo);
    expect(lines.lines).toEqual([]);
    lines.left(cy);
    lines.joined(cy);
    expect(lines.lines).toEqual([]);
    // Someone else with the name is someone else: both stay.
    lines.joined(ana);
    lines.left({ name: "Ana", id: "another-ana" });
    expect(lines.lines.map(text)).toEqual(["Ana joined; Ana left"]);
  });

  it("says nothing of my own coming and going", () => {
    const lines = usePresenceLines();
    lines.joined(me);
    expect(lines.lines).toEqual([]);
    lines.left(me);
    expect(lines.lines).toEqual([]);
  });

  it("says nothing of those listed before my reconnect who come back soon after it", () => {
    const lines = usePresenceLines();
    const before: UserSummary[] = [me, ana, bo];
    // A server restart: the list after my reconnect holds only me; the others come back one by one.
    lines.listArrived(before, [me]);
    lines.joined(ana);
    expect(lines.lines).toEqual([]);
    // Only once: leaving and coming back again is news. So is a return long after the outage.
    lines.left(ana);
    lines.joined(cy);
    vi.advanceTimersByTime(RETURNING_MS);
    lines.joined(bo);
    expect(lines.lines.map(text)).toEqual(["Cy joined; Ana left", "Bo joined"]);
  });

  it("keeps at most LINES_KEPT lines, dropping the oldest", () => {
    const lines = usePresenceLines();
    for (let i = 0; i < LINES_KEPT + 5; i++) {
      lines.joined({ name: `P${i}`, id: `p${i}` });
      vi.advanceTimersByTime(1);
      useConversation(null).arrive(groupMessage(i + 1));
    }
    expect(lines.lines).toHaveLength(LINES_KEPT);
    expect(text(lines.lines[0])).toBe("P5 joined");
    lines.clear();
    expect(lines.lines).toEqual([]);
  });

  it("stamps lines by the server's clock as live messages show it, however wrong the tab's clock is", () => {
    const lines = usePresenceLines();
    // The tab's clock runs five minutes ahead of the server's.
    const message = { ...groupMessage(1), sentAt: Date.now() - 5 * 60_000 };
    useConversation(null).arrive(message);
    lines.messageArrived(message);
    vi.advanceTimersByTime(20);
    lines.joined(ana);
    expect(lines.lines[0]?.at).toBe(message.sentAt + 20);
  });
});
