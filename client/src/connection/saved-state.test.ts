import { describe, expect, it } from "vitest";
import { loadSavedState, type SavedState, saveState } from "./saved-state";

/** sessionStorage's interface over a Map: Node has no Web Storage, and only get/set/remove are used. */
function memoryStorage(): Storage {
  const items = new Map<string, string>();
  return {
    get length() {
      return items.size;
    },
    clear: () => items.clear(),
    getItem: (key) => items.get(key) ?? null,
    key: (index) => [...items.keys()][index] ?? null,
    removeItem: (key) => void items.delete(key),
    setItem: (key, value) => void items.set(key, value),
  };
}

const bob = { name: "Bob", id: "c7yUQ2V0cgyiFwRD" };

const state: SavedState = {
  token: "secret",
  name: "Alice",
  id: "Qx1GcG9zdGVkIGl0",
  newestId: 42,
  windows: [bob],
  closed: [{ name: "Cleo", id: "Y2xlb0Nsb3NlZElk" }],
  unread: { group: 1, [`private:${bob.id}`]: 2 },
  drafts: { [`private:${bob.id}`]: "half a thou" },
  outbox: [
    { clientId: "c1", to: bob, text: "hi", createdAt: 1, state: "queued" },
    { clientId: "c2", to: null, text: "all", createdAt: 2, state: "failed", failure: "Too fast" },
  ],
};

describe("the state a tab keeps across reloads", () => {
  it("comes back as it was saved", () => {
    const storage = memoryStorage();
    saveState(state, storage);
    expect(loadSavedState(storage)).toEqual(state);
  });

  it("brings forward what a build before identities saved, keeping the login and what it can place", () => {
    const storage = memoryStorage();
    const earlier = {
      token: "secret",
      name: "Alice",
      newestId: 42,
      joinedAfter: 7,
      windows: ["Bob"],
      unread: { group: 1, "private:bob": 2 },
      outbox: [
        { clientId: "c1", to: "Bob", toId: bob.id, text: "hi", createdAt: 1, state: "queued" },
        { clientId: "c2", to: null, text: "all", createdAt: 2, state: "failed", failure: "Too fast" },
        { clientId: "c3", to: "Cid", text: "to whom?", createdAt: 3, state: "queued" },
      ],
    };
    storage.setItem("chat:v1", JSON.stringify(earlier));
    // My id comes with the connection's `session` event; Bob's window reopens when his messages arrive.
    expect(loadSavedState(storage)).toEqual({
      ...state,
      id: "",
      windows: [],
      closed: [],
      unread: { group: 1 },
      drafts: {},
    });
  });

  it("saved before closed conversations were kept, comes back with none", () => {
    const storage = memoryStorage();
    const { closed: _, ...withoutClosed } = state;
    storage.setItem("chat:v1", JSON.stringify(withoutClosed));
    expect(loadSavedState(storage)).toEqual({ ...state, closed: [] });
  });

  it("is gone after signing out", () => {
    const storage = memoryStorage();
    saveState(state, storage);
    saveState(null, storage);
    expect(loadSavedState(storage)).toBeNull();
  });

  it("is ignored when unreadable or of another shape, so the page starts at the login instead of breaking", () => {
    const storage = memoryStorage();
    for (const junk of ["{not json", '{"token":1}', "[]", "null"]) {
      storage.setItem("chat:v1", junk);
      expect(loadSavedState(storage)).toBeNull();
    }
  });
});
