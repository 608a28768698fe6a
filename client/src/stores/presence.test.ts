import { createPinia, setActivePinia } from "pinia";
import { beforeEach, describe, expect, it } from "vitest";
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
    expect(presence.isOnline("bob")).toBe(true);
    expect(presence.idOf("Bob")).toBe("later");
  });
});
