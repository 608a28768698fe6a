import { describe, expect, it } from "vitest";
import { forgetGoneRows, rowOffsets, rowsBetween } from "./virtual-rows";

const heights = [10, 30, 20, 40];
const offsets = rowOffsets(heights, (height) => height);

describe("the rows of a long list", () => {
  it("stack each row's height onto the ones above it", () => {
    expect([...offsets]).toEqual([0, 10, 40, 60, 100]);
    expect([...rowOffsets([], () => 1)]).toEqual([0]);
  });

  it("are rendered when any part of them is inside the band", () => {
    expect(rowsBetween(offsets, 0, 10)).toEqual({ first: 0, last: 1 });
    expect(rowsBetween(offsets, 5, 45)).toEqual({ first: 0, last: 3 });
    expect(rowsBetween(offsets, 40, 60)).toEqual({ first: 2, last: 3 });
    expect(rowsBetween(offsets, 99, 150)).toEqual({ first: 3, last: 4 });
  });

  it("are none when the band is past either end, however far", () => {
    expect(rowsBetween(offsets, -500, -100)).toEqual({ first: 0, last: 0 });
    expect(rowsBetween(offsets, 100, 400)).toEqual({ first: 4, last: 4 });
  });
});

describe("the heights measured of a list's rows", () => {
  it("are forgotten for rows gone from it once they outnumber the rows, and kept for those still there", () => {
    const measured = new Map([1, 2, 3, 4, 5, 6].map((key) => [key, key * 10]));
    forgetGoneRows(measured, [4, 5, 6]);
    expect([...measured.keys()]).toEqual([1, 2, 3, 4, 5, 6]);
    forgetGoneRows(measured, [6, 7]);
    expect([...measured]).toEqual([[6, 60]]);
  });
});
