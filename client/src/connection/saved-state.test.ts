import { createPinia, setActivePinia } from "pinia";
import { afterEach, describe, expect, it, vi } from "vitest";
import { nextTick } from "vue";
import { LIVE_DURING_CATCH_UP_KEPT, useCatchUp } from "../stores/catch-up";
import { useConversation } from "../stores/conversation";
import { useSession } from "../stores/session";
import { useWindows } from "../stores/windows";
import {
  keepSavedState,
  loadPendingLogin,
  loadSavedState,
  restoreSavedState,
  type SavedState,
  saveState,
} from "./saved-state";

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
  liveDuringCatchUp: [44, 43],
  windows: [bob],
  closed: [{ name: "Cleo", id: "Y2xlb0Nsb3NlZElk" }],
  minimised: [`private:${bob.id}`],
  unread: { group: 1, [`private:${bob.id}`]: 2 },
  newestUnread: { group: 40, [`private:${bob.id}`]: 41 },
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
      liveDuringCatchUp: [],
      windows: [],
      closed: [],
      minimised: [],
      unread: { group: 1 },
      newestUnread: {},
      drafts: {},
    });
  });

  it("saved before closed conversations were kept, comes back with none", () => {
    const storage = memoryStorage();
    const { closed: _, ...withoutClosed } = state;
    storage.setItem("chat:v1", JSON.stringify(withoutClosed));
    expect(loadSavedState(storage)).toEqual({ ...state, closed: [] });
  });

  it("saved before windows could be minimised, comes back with every window shown whole", () => {
    const storage = memoryStorage();
    const { minimised: _, ...withoutMinimised } = state;
    storage.setItem("chat:v1", JSON.stringify(withoutMinimised));
    expect(loadSavedState(storage)).toEqual({ ...state, minimised: [] });
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

  it("comes back with a watermark of 0 (a login into a chat with no message yet), and a huge unread count cut", () => {
    const storage = memoryStorage();
    saveState({ ...state, newestId: 0 }, storage);
    expect(loadSavedState(storage)).toEqual({ ...state, newestId: 0 });
    // An array of 2^40 entries, one per unread message, cannot be made: the page would never start.
    saveState({ ...state, unread: { group: 2 ** 40 } }, storage);
    expect(loadSavedState(storage)?.unread).toEqual({ group: 1_000_000 });
  });

  it("is ignored when a number in it is no message id or count the stores could hold", () => {
    const storage = memoryStorage();
    const group = (count: number) => ({ ...state.unread, group: count });
    for (const junk of [
      { ...state, newestId: 1e300 },
      { ...state, newestId: 0.5 },
      { ...state, liveDuringCatchUp: [-1] },
      { ...state, unread: group(-3) },
      { ...state, newestUnread: { group: 2 ** 60 } },
    ]) {
      saveState(junk, storage);
      expect(loadSavedState(storage)).toBeNull();
    }
  });
});

describe("drafts across a reload", () => {
  afterEach(() => vi.unstubAllGlobals());

  /** A tab signed in as Alice, saving its state into `storage` as it changes. */
  function tab(storage: Storage) {
    vi.stubGlobal("sessionStorage", storage);
    setActivePinia(createPinia());
    useSession().established({ token: "secret", name: "Alice", id: "Qx1GcG9zdGVkIGl0" });
    keepSavedState();
    return useWindows();
  }

  it("keeps the draft of a window that was closed, and brings it back with the closed conversation", async () => {
    const storage = memoryStorage();
    const cleo = { name: "Cleo", id: "Y2xlb0Nsb3NlZElk" };
    const windows = tab(storage);
    windows.show(bob);
    windows.show(cleo);
    useConversation(bob).setDraft("for Bob, open");
    useConversation(cleo).setDraft("for Cleo, closed");
    windows.close(cleo);
    await nextTick();

    const saved = loadSavedState(storage);
    expect(saved?.drafts).toEqual({
      [`private:${bob.id}`]: "for Bob, open",
      [`private:${cleo.id}`]: "for Cleo, closed",
    });
    // The reloaded tab: a fresh Pinia, filled from what was saved.
    setActivePinia(createPinia());
    restoreSavedState(saved as SavedState);
    expect(useWindows().closed).toEqual([cleo]);
    expect(useConversation(cleo).draft).toBe("for Cleo, closed");
    expect(useConversation(bob).draft).toBe("for Bob, open");
  });

  it("keeps a minimised window minimised, with its draft, and a closed one opens whole again", async () => {
    const storage = memoryStorage();
    const cleo = { name: "Cleo", id: "Y2xlb0Nsb3NlZElk" };
    const windows = tab(storage);
    windows.show(bob);
    windows.show(cleo);
    windows.minimise(`private:${bob.id}`);
    windows.minimise(`private:${cleo.id}`);
    useConversation(bob).setDraft("for Bob, minimised");
    windows.close(cleo);
    await nextTick();

    const saved = loadSavedState(storage);
    expect(saved?.minimised).toEqual([`private:${bob.id}`]);
    setActivePinia(createPinia());
    restoreSavedState(saved as SavedState);
    expect(useWindows().isMinimised(`private:${bob.id}`)).toBe(true);
    expect(useConversation(bob).draft).toBe("for Bob, minimised");
    useWindows().show(cleo);
    expect(useWindows().isMinimised(`private:${cleo.id}`)).toBe(false);
  });

  it("resumes a catch-up a reload cut short, knowing the newest of what came live during it", async () => {
    const storage = memoryStorage();
    tab(storage);
    const catchUp = useCatchUp();
    catchUp.advance(10);
    catchUp.start();
    const newest = 10 + LIVE_DURING_CATCH_UP_KEPT + 50;
    for (let id = 11; id <= newest; id++) catchUp.seen(id);
    await nextTick();

    const saved = loadSavedState(storage) as SavedState;
    expect(saved.newestId).toBe(10);
    expect(saved.liveDuringCatchUp).toHaveLength(LIVE_DURING_CATCH_UP_KEPT);
    setActivePinia(createPinia());
    restoreSavedState(saved);
    const reloaded = useCatchUp();
    expect(reloaded.catchingUp).toBe(true);
    expect(reloaded.arrivedDuringCatchUp(newest)).toBe(true);
    expect(reloaded.arrivedDuringCatchUp(11)).toBe(false);
    reloaded.caughtUp();
    expect(reloaded.newestId).toBe(newest);
  });

  it("forgets the draft of a conversation that fell off the closed list, so what is saved stays bounded", async () => {
    const storage = memoryStorage();
    const windows = tab(storage);
    const peers = Array.from({ length: 25 }, (_, i) => ({ name: `P${i}`, id: `peer${i}peer${i}peer` }));
    for (const peer of peers) {
      windows.show(peer);
      useConversation(peer).setDraft(`to ${peer.name}`);
      windows.close(peer);
    }
    await nextTick();
    const drafts = loadSavedState(storage)?.drafts ?? {};
    expect(Object.keys(drafts)).toHaveLength(windows.closed.length);
    expect(drafts[`private:${peers[0]?.id}`]).toBeUndefined();
    expect(drafts[`private:${peers[24]?.id}`]).toBe("to P24");
  });
});

describe("a login across a reload", () => {
  afterEach(() => vi.unstubAllGlobals());

  /** A tab whose login as Alice is under way, saving into `storage`. */
  async function joining(storage: Storage) {
    vi.stubGlobal("sessionStorage", storage);
    setActivePinia(createPinia());
    keepSavedState();
    const session = useSession();
    session.joining({ name: "Alice", newToken: "made-by-the-tab" });
    await nextTick();
    return session;
  }

  it("is kept while under way, with its token, and gone once answered", async () => {
    const storage = memoryStorage();
    const session = await joining(storage);
    expect(loadPendingLogin(storage)).toEqual({ name: "Alice", newToken: "made-by-the-tab" });

    session.established({ token: "made-by-the-tab", name: "Alice", id: "Qx1GcG9zdGVkIGl0" });
    await nextTick();
    expect(loadPendingLogin(storage)).toBeNull();
    expect(loadSavedState(storage)?.token).toBe("made-by-the-tab");
  });

  it("is gone once refused: the user chooses whether to try again", async () => {
    const storage = memoryStorage();
    const session = await joining(storage);
    session.signedOut("The name is taken.");
    await nextTick();
    expect(loadPendingLogin(storage)).toBeNull();
  });

  it("is ignored when unreadable or of another shape", () => {
    const storage = memoryStorage();
    for (const junk of ["{not json", '{"name":"Alice"}', "[]"]) {
      storage.setItem("chat:v1:login", junk);
      expect(loadPendingLogin(storage)).toBeNull();
    }
  });
});
