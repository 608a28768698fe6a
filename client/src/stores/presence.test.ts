import { nameKey } from "@chat/shared";
import { createPinia, setActivePinia } from "pinia";
import { beforeEach, describe, expect, it } from "vitest";
import { computed } from "vue";
import { usePresence } from "./presence";

beforeEach(() => setActivePinia(createPinia()));

describe("the online list", () => {
  it("follows deltas as set operations, sorted by name whatever the case", () => {
    const presence = usePresence();
    presence.reset([{ name: "bob", id: "b1" }]);
    presence.joined({ name: "Ann", id: "a1" });
    presence.joined({ name: "Ann", id: "a1" });
    expect(presence.users.map((u) => u.name)).toEqual(["Ann", "bob"]);
    presence.left({ name: "bob", id: "b1" });
    presence.left({ name: "bob", id: "b1" });
    expect(presence.users.map((u) => u.name)).toEqual(["Ann"]);
  });

  it("tells whether a join or a leave changed the list: a repeat is not news", () => {
    const presence = usePresence();
    presence.reset([{ name: "Ann", id: "a1", away: true }]);
    expect(presence.joined({ name: "Ann", id: "a1" })).toBe(false);
    expect(presence.joined({ name: "Bob", id: "b1" })).toBe(true);
    expect(presence.left({ name: "Bob", id: "b0" })).toBe(false);
    expect(presence.left({ name: "Bob", id: "b1" })).toBe(true);
    expect(presence.left({ name: "Bob", id: "b1" })).toBe(false);
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
    presence.setAway({ name: "Bob", id: "b0" }, true);
    presence.setAway({ name: "Cid", id: "c1" }, true);
    expect(presence.statusOf(bob)).toBe("here");
    expect(presence.statusOf({ name: "Cid", id: "c1" })).toBe("offline");
    presence.setAway({ name: "Bob", id: "b1" }, true);
    presence.setAway({ name: "Ann", id: "a1" }, false);
    expect(presence.users).toEqual([
      { name: "Ann", id: "a1" },
      { name: "Bob", id: "b1", away: true },
    ]);
    presence.left({ name: "Bob", id: "b1" });
    presence.joined({ name: "Bob", id: "b2" });
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
      if (next(2) === 0) presence.joined({ name, id });
      else
        presence.left({ name, id: presence.users.find((u) => nameKey(u.name) === nameKey(name))?.id ?? id });
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
    presence.joined({ name: "Bob", id: "b1" });
    expect(bobs.value).toBe("here");
    presence.left({ name: "Bob", id: "b1" });
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

  it("keeps whoever holds a name now when the leaving of its earlier holder comes late", () => {
    const presence = usePresence();
    presence.joined({ name: "Bob", id: "later" });
    presence.left({ name: "BOB", id: "earlier" });
    expect(presence.statusOf({ name: "bob", id: "later" })).toBe("here");
  });
});
