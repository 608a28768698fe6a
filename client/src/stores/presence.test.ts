import { nameKey } from "@chat/shared";
import { createPinia, setActivePinia } from "pinia";
import { beforeEach, describe, expect, it } from "vitest";
import { computed } from "vue";
import { usePresence } from "./presence";

beforeEach(() => setActivePinia(createPinia()));

/** The version each delta carries; these tests are about the list, so one for all. */
const v = "e1:7";

describe("the online list", () => {
  it("follows deltas as set operations, sorted by name whatever the case", () => {
    const presence = usePresence();
    presence.reset([{ name: "bob", id: "b1" }]);
    presence.joined({ name: "Ann", id: "a1", v });
    presence.joined({ name: "Ann", id: "a1", v });
    expect(presence.users.map((u) => u.name)).toEqual(["Ann", "bob"]);
    presence.left({ name: "bob", id: "b1", v });
    presence.left({ name: "bob", id: "b1", v });
    expect(presence.users.map((u) => u.name)).toEqual(["Ann"]);
  });

  it("tells whether a join or a leave changed the list: a repeat is not news", () => {
    const presence = usePresence();
    presence.reset([{ name: "Ann", id: "a1", away: true }]);
    expect(presence.joined({ name: "Ann", id: "a1", v })).toBe(false);
    expect(presence.joined({ name: "Bob", id: "b1", v })).toBe(true);
    expect(presence.left({ name: "Bob", id: "b0", v })).toBe(false);
    expect(presence.left({ name: "Bob", id: "b1", v })).toBe(true);
    expect(presence.left({ name: "Bob", id: "b1", v })).toBe(false);
  });

  it("marks who is away and back, only for the identity that holds the name, and a join as here", () => {
    const presence = usePresence();
    presence.reset([
      { name: "Ann", id: "a1", away: true },
      { name: "Bob", id: "b1" },
    ]);
    const [ann, bob] = [
      { name: "ann", id: "a1" },
      { name: "Bob", id: "b1" },
    ];
    expect([presence.statusOf(ann), presence.statusOf(bob)]).toEqual(["away", "here"]);
    presence.setAway({ name: "Bob", id: "b0", v }, true);
    presence.setAway({ name: "Cid", id: "c1", v }, true);
    expect(presence.statusOf(bob)).toBe("here");
    expect(presence.statusOf({ name: "Cid", id: "c1" })).toBe("offline");
    presence.setAway({ name: "Bob", id: "b1", v }, true);
    presence.setAway({ name: "Ann", id: "a1", v }, false);
    expect(presence.users).toEqual([
      { name: "Ann", id: "a1" },
      { name: "Bob", id: "b1", away: true },
    ]);
    presence.left({ name: "Bob", id: "b1", v });
    presence.joined({ name: "Bob", id: "b2", v });
    expect(presence.statusOf({ name: "BOB", id: "b2" })).toBe("here");
    expect(presence.statusOf(bob)).toBe("replaced");
  });

  it("stays in name order through any sequence of joins and leaves, as a full sort would put it", () => {
    const presence = usePresence();
    const names = ["ann", "Bob", "carl", "Dee", "éva", "Eve", "ｆａｙ", "gus", "Hal", "ivy"];
    let seed = 7;
    const next = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    presence.reset([{ name: "Zed", id: "z" }]);
    for (let step = 0; step < 500; step++) {
      const name = names[next(names.length)] as string;
      const id = `${name}-${next(3)}`;
      if (next(2) === 0) presence.joined({ name, id, v });
      else
        presence.left({
          name,
          id: presence.users.find((u) => nameKey(u.name) === nameKey(name))?.id ?? id,
          v,
        });
      const resorted = [...presence.users].sort((a, b) =>
        new Intl.Collator(undefined, { sensitivity: "base" }).compare(a.name, b.name),
      );
      expect(presence.users.map((u) => u.name)).toEqual(resorted.map((u) => u.name));
      expect(presence.count).toBe(new Set(presence.users.map((u) => u.id)).size);
    }
  });

  it("tells what depends on who holds a name when that changes", () => {
    const presence = usePresence();
    const bobs = computed(() => presence.statusOf({ name: "bob", id: "b1" }));
    expect(bobs.value).toBe("offline");
    presence.joined({ name: "Bob", id: "b1", v });
    expect(bobs.value).toBe("here");
    presence.left({ name: "Bob", id: "b1", v });
    expect(bobs.value).toBe("offline");
  });

  it("finds names holding what was typed, whatever the case or compatibility form", () => {
    const presence = usePresence();
    presence.reset([
      { name: "Zoë", id: "z1" },
      { name: "Amy", id: "a1" },
      { name: "zed", id: "z2" },
    ]);
    expect(presence.matching("  ").map((u) => u.name)).toEqual(["Amy", "zed", "Zoë"]);
    expect(presence.matching("Z").map((u) => u.name)).toEqual(["zed", "Zoë"]);
    expect(presence.matching("ｚｏë").map((u) => u.name)).toEqual(["Zoë"]);
    expect(presence.matching("x")).toEqual([]);
  });

  it("holds the version of the last list or delta applied, and none once signed out", () => {
    const presence = usePresence();
    expect(presence.version()).toBeNull();
    presence.reset([{ name: "Ann", id: "a1" }], "e1:1");
    expect(presence.version()).toBe("e1:1");
    presence.joined({ name: "Bob", id: "b1", v: "e1:2" });
    presence.setAway({ name: "Bob", id: "b1", v: "e1:3" }, true);
    // A delta that changes nothing shown still moves the version on: the server counted it.
    presence.left({ name: "Cid", id: "c1", v: "e1:4" });
    expect(presence.version()).toBe("e1:4");
    expect(presence.users).toEqual([
      { name: "Ann", id: "a1" },
      { name: "Bob", id: "b1", away: true },
    ]);
    presence.reset([]);
    expect(presence.version()).toBeNull();
  });

  it("applies users:since to the list held: those left taken out, those listed put in by name", () => {
    const presence = usePresence();
    presence.reset([
      { name: "Ann", id: "a1" },
      { name: "Bob", id: "b1" },
      { name: "Cid", id: "c1", away: true },
    ]);
    const list = presence.withChanges({
      since: "e1:1",
      // Bob left and another Bob came; Cid is back; Dee came and went; Eve came.
      left: [
        { name: "bob", id: "b1" },
        { name: "Dee", id: "d1" },
      ],
      listed: [
        { name: "Bob", id: "b2", away: true },
        { name: "Cid", id: "c1" },
        { name: "Eve", id: "e1" },
      ],
      v: "e1:9",
    });
    expect(list).toEqual([
      { name: "Ann", id: "a1" },
      { name: "Cid", id: "c1" },
      { name: "Bob", id: "b2", away: true },
      { name: "Eve", id: "e1" },
    ]);
    // The list shown changes only once the caller resets it with the new list.
    expect(presence.users.map((u) => u.id)).toEqual(["a1", "b1", "c1"]);
  });

  it("keeps whoever holds a name now when the leaving of its earlier holder comes late", () => {
    const presence = usePresence();
    presence.joined({ name: "Bob", id: "later", v });
    presence.left({ name: "BOB", id: "earlier", v });
    expect(presence.statusOf({ name: "bob", id: "later" })).toBe("here");
  });
});
