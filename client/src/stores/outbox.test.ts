import { createPinia, setActivePinia } from "pinia";
import { beforeEach, describe, expect, it } from "vitest";
import { conversationId } from "./conversation";
import { useOutbox } from "./outbox";

beforeEach(() => setActivePinia(createPinia()));

describe("the outbox", () => {
  it("gives every send its own random clientId and keeps sends in the order they were typed", () => {
    const outbox = useOutbox();
    const first = outbox.add(null, "one");
    const bob = { name: "Bob", id: "bob-1" };
    const second = outbox.add(bob, "two");
    expect(first.clientId).toMatch(/^[0-9a-f]{32}$/);
    expect(second.clientId).not.toBe(first.clientId);
    expect(outbox.entries.map((e) => e.text)).toEqual(["one", "two"]);
    expect(outbox.inConversation(conversationId(bob)).map((e) => e.text)).toEqual(["two"]);
    expect(outbox.inConversation(conversationId({ name: "Bob", id: "bob-2" }))).toEqual([]);
  });

  it("keeps a failed send, with why, until the user retries it", () => {
    const outbox = useOutbox();
    const entry = outbox.add(null, "hello");
    outbox.setState(entry.clientId, "failed", "Too long");
    expect(outbox.find(entry.clientId)).toMatchObject({ state: "failed", failure: "Too long" });
    outbox.setState(entry.clientId, "queued");
    expect(outbox.find(entry.clientId)).toMatchObject({ state: "queued", failure: undefined });
  });

  it("forgets a send once the server has it", () => {
    const outbox = useOutbox();
    const entry = outbox.add(null, "hello");
    outbox.remove(entry.clientId);
    expect(outbox.entries).toEqual([]);
  });

  it("after a reload, treats sends that were waiting for an ack as not sent", () => {
    const outbox = useOutbox();
    outbox.restore([
      { clientId: "a", to: null, text: "in flight", createdAt: 1, state: "sending" },
      { clientId: "b", to: null, text: "refused", createdAt: 2, state: "failed", failure: "No such user" },
    ]);
    expect(outbox.entries.map((e) => e.state)).toEqual(["queued", "failed"]);
  });
});
