import { describe, expect, it } from "vitest";
import { clientAddress } from "./client-address.js";

const from = (forwardedFor?: string) => ({
  socket: { remoteAddress: "10.0.0.5" },
  headers: forwardedFor === undefined ? {} : { "x-forwarded-for": forwardedFor },
});

describe("the client's address", () => {
  it("is the TCP peer when no proxy is trusted, whatever the header claims", () => {
    expect(clientAddress(from("6.6.6.6"), 0)).toBe("10.0.0.5");
  });

  it("is what the trusted proxy saw, not what the client wrote further left", () => {
    expect(clientAddress(from("6.6.6.6, 203.0.113.7"), 1)).toBe("203.0.113.7");
    expect(clientAddress(from("6.6.6.6, 203.0.113.7, 10.0.0.9"), 2)).toBe("203.0.113.7");
  });

  it("falls back to the TCP peer when the header is missing or shorter than the trusted chain", () => {
    expect(clientAddress(from(), 1)).toBe("10.0.0.5");
    expect(clientAddress(from("203.0.113.7"), 2)).toBe("10.0.0.5");
  });
});
