import { parseHandshakeAuth } from "@chat/shared";
import { describe, expect, it } from "vitest";
import { loginToken } from "./login-token";

describe("the token a login makes for its session", () => {
  it("is one the server takes, and another each time", () => {
    const tokens = Array.from({ length: 200 }, loginToken);
    for (const newToken of tokens) {
      expect(parseHandshakeAuth({ name: "Ann", newToken })).toEqual({
        ok: true,
        value: { name: "Ann", newToken },
      });
    }
    expect(new Set(tokens).size).toBe(tokens.length);
  });
});
