import { describe, expect, it } from "vitest";
import { RecentGroup } from "./recent-group.js";

const rows = (...ids: number[]) => ids.map((id) => ({ id }));
const ids = (listed: { id: number }[] | null) => listed?.map((row) => row.id) ?? null;

describe("RecentGroup: the newest group messages, for sync", () => {
  it("answers after any id it holds everything since, and refuses to guess before that", () => {
    const recent = new RecentGroup(rows(3, 5, 8), 3);
    // Full when built: a message before 3 may exist, and only the database knows.
    expect(recent.after(1, 10)).toBeNull();
    expect(ids(recent.after(2, 10))).toEqual([3, 5, 8]);
    expect(ids(recent.after(4, 1))).toEqual([5]);
    expect(ids(recent.after(8, 10))).toEqual([]);
  });

  it("holds everything when built with fewer than it may hold", () => {
    expect(ids(new RecentGroup(rows(3, 5), 3).after(0, 10))).toEqual([3, 5]);
  });

  it("files an append out of order by id, and forgets the oldest once full", () => {
    const recent = new RecentGroup(rows(3), 3);
    recent.add({ id: 9 });
    recent.add({ id: 6 });
    expect(ids(recent.after(0, 10))).toEqual([3, 6, 9]);
    recent.add({ id: 12 });
    expect(recent.after(2, 10)).toBeNull();
    expect(ids(recent.after(3, 10))).toEqual([6, 9, 12]);
    // Late, but newer than what it forgot: held, and the oldest held goes.
    recent.add({ id: 4 });
    expect(recent.after(3, 10)).toBeNull();
    expect(ids(recent.after(4, 10))).toEqual([6, 9, 12]);
    // Older than what it forgot: already in the database, which answers for it.
    recent.add({ id: 2 });
    expect(ids(recent.after(4, 10))).toEqual([6, 9, 12]);
  });
});
