import { expect, it } from "vitest";
import { CLAIM_WINDOW_MS, user } from "../test-support/storage-fixtures.js";
import type { User } from "../users.js";
import type { Storage } from "./storage.js";

/** The presence part of the storage contract: who holds a name, their sockets, grace windows and away. */
export function describePresenceContract(fresh: () => Promise<Storage>): void {
  it("gives a name to one user at a time", async () => {
    const { presence } = await fresh();
    const [bob, otherBob] = [user("Bob"), user("\u0392\u03BFb")]; // Greek Beta, omicron
    expect(await presence.claim(bob, CLAIM_WINDOW_MS)).toBe("joined");
    expect(await presence.claim(bob, CLAIM_WINDOW_MS)).toBe("held");
    expect(await presence.claim(otherBob, CLAIM_WINDOW_MS)).toBe("taken");
    expect(await presence.holderOf(bob.key)).toEqual(bob);
    expect(await presence.release(bob.id)).toEqual(bob);
    expect(await presence.release(bob.id)).toBeNull();
    expect(await presence.holderOf(bob.key)).toBeNull();
    expect(await presence.claim(otherBob, CLAIM_WINDOW_MS)).toBe("joined");
  });

  it("answers lookups made together, each with its own holder", async () => {
    const { presence } = await fresh();
    const names = Array.from({ length: 600 }, (_, i) => `User${i}`);
    const holders = names.map(user);
    for (const holder of holders.filter((_, i) => i % 3 !== 0)) await presence.claim(holder, CLAIM_WINDOW_MS);
    const found = await Promise.all(holders.map((holder) => presence.holderOf(holder.key)));
    expect(found).toEqual(holders.map((holder, i) => (i % 3 === 0 ? null : holder)));
  });

  it("decides concurrent claims of one name for exactly one user", async () => {
    const { presence } = await fresh();
    const rivals = Array.from({ length: 8 }, () => user("Same"));
    const results = await Promise.all(rivals.map((rival) => presence.claim(rival, CLAIM_WINDOW_MS)));
    expect(results.filter((result) => result === "joined")).toHaveLength(1);
    expect(results.filter((result) => result === "taken")).toHaveLength(7);
  });

  it("counts sockets per user and lists who is online", async () => {
    const { presence } = await fresh();
    const [ann, bob] = [user("Ann"), user("Bob")];
    await presence.claim(ann, CLAIM_WINDOW_MS);
    await presence.claim(bob, CLAIM_WINDOW_MS);
    expect(await presence.attach(ann.id, "s1")).toBe("attached");
    await presence.attach(ann.id, "s2");
    expect(await presence.connectionCount(ann.id)).toBe(2);
    expect(await presence.detach(ann.id, "s1")).toBe(1);
    expect(await presence.detach(ann.id, "s2")).toBe(0);
    expect(await presence.connectionCount(bob.id)).toBe(0);
    const online = await presence.online();
    expect(online.map((u) => u.name).sort()).toEqual(["Ann", "Bob"]);
  });

  it("list some users as the whole list shows them, and count everyone listed", async () => {
    const { presence } = await fresh();
    const [away, gone, other] = [user("Away"), user("Gone"), user("Other")];
    const users = [away, gone, other, ...Array.from({ length: 697 }, (_, i) => user(`User${i}`))];
    for (const listed of users) await presence.claim(listed, CLAIM_WINDOW_MS);
    await presence.markAway(away.id, await presence.startGrace(away.id, 60_000, null));
    await presence.release(gone.id);
    // More ids than one lookup reads, in no particular order, and one never listed.
    const asked = [...users.slice(100).reverse(), away, gone, other, user("Nobody")].map(({ id }) => id);
    const { count, users: found } = await presence.listedAmong(asked);
    expect(count).toBe(699);
    const online = await presence.online();
    const byId = (a: User, b: User) => a.id.localeCompare(b.id);
    expect(found).toHaveLength(602);
    expect(found.sort(byId)).toEqual(online.filter(({ id }) => asked.includes(id)).sort(byId));
    expect(found.find(({ id }) => id === away.id)).toEqual({ ...away, away: true });
    expect(await presence.listedAmong([])).toEqual({ count: 699, users: [] });
  });

  it("count no socket in for a user no longer listed, and say so", async () => {
    const { presence } = await fresh();
    const ann = user("Ann");
    await presence.claim(ann, CLAIM_WINDOW_MS);
    expect(await presence.attach(ann.id, "s1")).toBe("attached");
    await presence.release(ann.id);
    expect(await presence.attach(ann.id, "s2")).toBe("unlisted");
    expect(await presence.connectionCount(ann.id)).toBe(0);
  });

  it("end a grace window only while it is the latest one and no socket came back", async () => {
    const { presence } = await fresh();
    const ann = user("Ann");
    await presence.claim(ann, CLAIM_WINDOW_MS);
    const [first, second] = [
      await presence.startGrace(ann.id, 60_000, null),
      await presence.startGrace(ann.id, 60_000, null),
    ];
    expect(await presence.endGrace(ann.id, first)).toBeNull();
    await presence.attach(ann.id, "s1");
    expect(await presence.endGrace(ann.id, second)).toBeNull();
    expect(await presence.detach(ann.id, "s1")).toBe(0);
    const third = await presence.startGrace(ann.id, 60_000, null);
    expect(await presence.endGrace(ann.id, third)).toEqual(ann);
    expect(await presence.holderOf(ann.key)).toBeNull();
    expect(await presence.endGrace(ann.id, third)).toBeNull();
  });

  it("mark a user away only in their latest grace window with no socket, once, until one is back", async () => {
    const { presence } = await fresh();
    const [ann, bob] = [user("Ann"), user("Bob")];
    await presence.claim(ann, CLAIM_WINDOW_MS);
    await presence.claim(bob, CLAIM_WINDOW_MS);
    const first = await presence.startGrace(ann.id, 60_000, null);
    const second = await presence.startGrace(ann.id, 60_000, null);
    expect(await presence.markAway(ann.id, first)).toBeNull();
    expect(await presence.markAway(ann.id, second)).toEqual(ann);
    expect(await presence.markAway(ann.id, second)).toBeNull();
    const listed = await presence.online();
    expect(listed.find((u) => u.id === ann.id)).toEqual({ ...ann, away: true });
    expect(listed.find((u) => u.id === bob.id)).toEqual(bob);

    expect(await presence.attach(ann.id, "s1")).toBe("back");
    expect(await presence.attach(ann.id, "s2")).toBe("attached");
    expect((await presence.online()).find((u) => u.id === ann.id)).toEqual(ann);
    await presence.detach(ann.id, "s1");
    const racing = await presence.startGrace(ann.id, 60_000, null);
    // One socket is left: not away.
    expect(await presence.markAway(ann.id, racing)).toBeNull();
  });

  it("forget that a released user was away", async () => {
    const { presence } = await fresh();
    const ann = user("Ann");
    await presence.claim(ann, CLAIM_WINDOW_MS);
    expect(await presence.markAway(ann.id, await presence.startGrace(ann.id, 60_000, null))).toEqual(ann);
    await presence.release(ann.id);
    await presence.claim(ann, CLAIM_WINDOW_MS);
    expect(await presence.online()).toEqual([ann]);
    expect(await presence.attach(ann.id, "s1")).toBe("attached");
  });
}
