import { describe, expect, it } from "vitest";
import { fullMessageTime, messageTime } from "./message-time";

// Local times, as the reader's clock shows them.
const now = new Date(2026, 10, 30, 15, 0).getTime();
const at = (year: number, month: number, day: number, hour: number, minute: number) =>
  new Date(year, month, day, hour, minute).getTime();

describe("the time shown on a message", () => {
  it("is the time alone for a message sent today, however early, as the locale writes it", () => {
    expect(messageTime(at(2026, 10, 30, 0, 8), now, "en-US")).toMatch(/^12:08\sAM$/);
    expect(messageTime(at(2026, 10, 30, 9, 5), now, "en-US")).toMatch(/^9:05\sAM$/);
    expect(messageTime(at(2026, 10, 30, 14, 59), now, "en-GB")).toBe("14:59");
  });

  it("adds the day for an earlier day, and the year for an earlier year", () => {
    expect(messageTime(at(2026, 10, 29, 23, 59), now, "en-US")).toMatch(/^Nov 29, 11:59\sPM$/);
    expect(messageTime(at(2025, 10, 30, 9, 5), now, "en-US")).toMatch(/^Nov 30, 2025, 9:05\sAM$/);
  });

  it("says the whole date in its tooltip", () => {
    expect(fullMessageTime(at(2026, 10, 29, 23, 59), "en-US")).toMatch(
      /^Sunday, November 29, 2026 at 11:59\sPM$/,
    );
  });
});
