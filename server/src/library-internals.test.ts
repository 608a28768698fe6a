import { describe, expect, it } from "vitest";
import { requireInternal } from "./library-internals.js";

describe("requireInternal", () => {
  it("names the library and the member an upgrade took away", () => {
    expect(() => requireInternal({}, "_encode", "socket.io-adapter")).toThrow(
      "socket.io-adapter no longer has `_encode`: see server/src/library-internals.ts",
    );
  });

  it("accepts a member found on the prototype chain, where classes keep their methods", () => {
    class Encoder {
      encodeAsString(): string {
        return "";
      }
    }
    expect(() => requireInternal(new Encoder(), "encodeAsString", "socket.io-parser")).not.toThrow();
  });
});
