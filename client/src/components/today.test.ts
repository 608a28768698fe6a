import { afterEach, describe, expect, it, vi } from "vitest";
import { messageTime } from "./message-time";

afterEach(() => {
  vi.useRealTimers();
  vi.resetModules();
});

describe("today's clock", () => {
  it("moves on at midnight, so that yesterday's messages are then shown with their day", async () => {
    vi.useFakeTimers();
    const evening = new Date(2026, 11, 5, 23, 59, 30);
    vi.setSystemTime(evening);
    const { useToday } = await import("./today");
    const today = useToday();
    const sentAt = evening.getTime() - 60_000;
    const shown = () => messageTime(sentAt, today.value, "en-GB");
    expect(shown()).toBe("23:58");
    vi.advanceTimersByTime(60_000);
    expect(shown()).toBe("5 Dec, 23:58");
    // And again the next night.
    vi.advanceTimersByTime(24 * 60 * 60_000);
    expect(new Date(today.value).getDate()).toBe(7);
  });
});
