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

const state: SavedState = {
  token: "secret",
  name: "Alice",
  newestId: 42,
  joinedAfter: 7,
  windows: ["Bob"],
  unread: { "private:bob": 2 },
  outbox: [{ clientId: "c1", to: "Bob", text: "hi", createdAt: 1, state: "queued" }],
};

describe("the state a tab keeps across reloads", () => {
  it("comes back as it was saved", () => {
    const storage = memoryStorage();
    saveState(state, storage);
    expect(loadSavedState(storage)).toEqual(state);
  });

  it("reads what an earlier build saved, before it kept where the login started and what is unread", () => {
    const storage = memoryStorage();
    const { joinedAfter: _, unread: __, ...earlier } = state;
    storage.setItem("chat:v1", JSON.stringify(earlier));
    expect(loadSavedState(storage)).toEqual({ ...state, joinedAfter: 0, unread: {} });
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
