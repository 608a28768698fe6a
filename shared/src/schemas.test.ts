import { describe, expect, it } from "vitest";
import { ErrorCode, SESSION_ENDED } from "./errors.js";
import { LIMITS } from "./limits.js";
import {
  parseHandshakeAuth,
  parseHistoryRequest,
  parseSendRequest,
  parseSyncRequest,
  parseTypingRequest,
  textProblem,
} from "./schemas.js";

describe("handshake auth", () => {
  it("logs in with a name and resumes with a token, the token winning", () => {
    expect(parseHandshakeAuth({ name: " ann " })).toEqual({
      ok: true,
      value: { name: "ann", newToken: null },
    });
    expect(parseHandshakeAuth({ token: "t0k", name: "ann" })).toEqual({
      ok: true,
      value: { token: "t0k", logout: false, presence: null },
    });
  });

  it("takes the presence version a resume holds, absent or null for none", () => {
    expect(parseHandshakeAuth({ token: "t0k", presence: "Ab3:12" })).toMatchObject({
      value: { token: "t0k", presence: "Ab3:12" },
    });
    expect(parseHandshakeAuth({ token: "t0k", presence: null })).toMatchObject({ value: { presence: null } });
    const longest = "x".repeat(LIMITS.presenceVersionMaxLength);
    expect(parseHandshakeAuth({ token: "t0k", presence: longest })).toMatchObject({
      value: { presence: longest },
    });
  });

  it("refuses a presence version that is not short text with BAD_REQUEST", () => {
    for (const presence of [12, {}, ["a"], "x".repeat(LIMITS.presenceVersionMaxLength + 1)]) {
      expect(parseHandshakeAuth({ token: "t0k", presence })).toMatchObject({
        ok: false,
        error: { code: ErrorCode.BAD_REQUEST, message: expect.stringMatching(/^presence: /) },
      });
    }
  });

  it("ends the session only when logout is exactly true", () => {
    expect(parseHandshakeAuth({ token: "t0k", logout: true })).toEqual({
      ok: true,
      value: { token: "t0k", logout: true, presence: null },
    });
    for (const logout of ["true", 1, null, false]) {
      expect(parseHandshakeAuth({ token: "t0k", logout })).toMatchObject({ value: { logout: false } });
    }
  });

  it("takes a null token for none, as a client with nothing saved sends it", () => {
    expect(parseHandshakeAuth({ token: null, name: "ann" })).toEqual({
      ok: true,
      value: { name: "ann", newToken: null },
    });
  });

  it("takes a login's own token only as the server would make one, refusing others with BAD_REQUEST", () => {
    const newToken = "Hq3_x-9".padEnd(43, "A");
    expect(parseHandshakeAuth({ name: "ann", newToken })).toEqual({
      ok: true,
      value: { name: "ann", newToken },
    });
    for (const weak of [7, "", "short", `${newToken}A`, `${newToken.slice(1)}=`, `${newToken.slice(1)}+`]) {
      expect(parseHandshakeAuth({ name: "ann", newToken: weak })).toMatchObject({
        ok: false,
        error: { code: ErrorCode.BAD_REQUEST, message: expect.stringMatching(/^newToken: 32 random bytes/) },
      });
    }
  });

  it("refuses a missing or malformed auth with NAME_INVALID, and a malformed token with SESSION_EXPIRED", () => {
    for (const raw of [undefined, null, "ann", 7, {}]) {
      expect(parseHandshakeAuth(raw)).toMatchObject({ ok: false, error: { code: ErrorCode.NAME_INVALID } });
    }
    for (const token of [7, "", "x".repeat(257), {}]) {
      expect(parseHandshakeAuth({ token })).toEqual({
        ok: false,
        error: { code: ErrorCode.SESSION_EXPIRED, message: SESSION_ENDED },
      });
    }
  });
});

describe("message:send", () => {
  const valid = { to: null, text: "hello", clientId: "c1" };

  it("accepts group and private sends and keeps extra fields out", () => {
    expect(parseSendRequest({ ...valid, from: "mallory" })).toEqual({ ok: true, value: valid });
    expect(parseSendRequest({ ...valid, to: "bob" })).toEqual({ ok: true, value: { ...valid, to: "bob" } });
  });

  it("takes the id of the user meant, and refuses one that is not a short string", () => {
    const toBob = { ...valid, to: "bob", toId: "c7yUQ2V0cgyiFwRD" };
    expect(parseSendRequest(toBob)).toEqual({ ok: true, value: toBob });
    for (const toId of [7, {}, "x".repeat(LIMITS.userIdMaxLength + 1)]) {
      expect(parseSendRequest({ ...toBob, toId })).toMatchObject({
        ok: false,
        error: { code: ErrorCode.BAD_REQUEST },
      });
    }
  });

  it.each([
    ["not a string", 5],
    ["empty", ""],
    ["blank", " \n\t "],
    ["only zero-width spaces and joiners", "\u200B\u200B\u200D"],
    ["only blank fillers and spaces", "\u3164 \u2800\u00A0"],
    ["over the limit", "x".repeat(LIMITS.textMaxLength + 1)],
    ["a lone surrogate", "hi \udc00"],
    ["a control character", "ring \u0007"],
    ["a NUL", "a\u0000b"],
    ["missing", undefined],
  ])("refuses text that is %s with TEXT_INVALID", (_, text) => {
    expect(parseSendRequest({ ...valid, text })).toMatchObject({
      ok: false,
      error: { code: ErrorCode.TEXT_INVALID },
    });
  });

  it("refuses a clientId that is not well-formed Unicode, which a store would alter", () => {
    for (const clientId of ["k\ud800", "\udfff"]) {
      expect(parseSendRequest({ ...valid, clientId })).toMatchObject({
        ok: false,
        error: { code: ErrorCode.BAD_REQUEST },
      });
    }
  });

  it("names a missing field plainly", () => {
    expect(parseSendRequest({ to: null, clientId: "c" })).toEqual({
      ok: false,
      error: { code: ErrorCode.TEXT_INVALID, message: "text is missing." },
    });
    expect(parseSyncRequest({})).toEqual({
      ok: false,
      error: { code: ErrorCode.BAD_REQUEST, message: "after is missing." },
    });
  });

  it("accepts tabs and line breaks", () => {
    expect(parseSendRequest({ ...valid, text: "a\tb\r\nc\nd" }).ok).toBe(true);
  });

  it("accepts text of exactly the limit, counted in code points", () => {
    expect(parseSendRequest({ ...valid, text: "x".repeat(LIMITS.textMaxLength) }).ok).toBe(true);
    expect(parseSendRequest({ ...valid, text: "😀".repeat(LIMITS.textMaxLength) }).ok).toBe(true);
  });

  it.each([
    ["not an object", "hello"],
    ["null", null],
    ["an array", [valid]],
    ["an array carrying the fields", Object.assign([], valid)],
    ["binary carrying the fields", Object.assign(new Uint8Array(1), valid)],
    ["a group message naming a recipient's id", { ...valid, to: null, toId: "c7yUQ2V0cgyiFwRD" }],
    ["a numeric recipient", { ...valid, to: 3 }],
    ["a missing recipient", { text: "hi", clientId: "c" }],
    ["a missing clientId", { to: null, text: "hi" }],
    ["an empty clientId", { ...valid, clientId: "" }],
    ["a huge clientId", { ...valid, clientId: "c".repeat(65) }],
  ])("refuses %s with BAD_REQUEST", (_, raw) => {
    expect(parseSendRequest(raw)).toMatchObject({ ok: false, error: { code: ErrorCode.BAD_REQUEST } });
  });

  it("says before sending why a text would be refused, as the server words it", () => {
    expect(textProblem("fine\ttext")).toBeNull();
    expect(textProblem("ring \u0007")).toMatch(/control characters/);
    expect(textProblem("x".repeat(LIMITS.textMaxLength + 1))).toMatch(/at most 4000/);
    expect(textProblem(" ")).toMatch(/empty/);
    expect(textProblem("\u200B")).toMatch(/shows nothing/);
    // Something to see, with characters that show nothing beside it: an emoji with its variation selector.
    expect(textProblem("\u2764\uFE0F\u200B")).toBeNull();
  });

  it("ignores prototype-pollution keys", () => {
    const raw = JSON.parse('{"to":null,"text":"hi","clientId":"c","__proto__":{"polluted":true}}');
    const result = parseSendRequest(raw);
    expect(result.ok).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe("history:get and sync", () => {
  it("accept the documented shapes", () => {
    expect(parseHistoryRequest({ with: null }).ok).toBe(true);
    expect(parseHistoryRequest({ with: "bob", before: 10, limit: 20 }).ok).toBe(true);
    expect(parseHistoryRequest({ with: "bob", withId: "c7yUQ2V0cgyiFwRD" }).ok).toBe(true);
    // null stands for "not given", as in JSON from clients that cannot leave a key out.
    expect(parseHistoryRequest({ with: null, before: null, limit: null })).toEqual({
      ok: true,
      value: { with: null, before: null, limit: null },
    });
    expect(parseSyncRequest({ after: null }).ok).toBe(true);
    expect(parseSyncRequest({ after: 0 }).ok).toBe(true);
  });

  it.each([
    [{}],
    [{ with: 1 }],
    [{ with: null, before: 0 }],
    [{ with: null, before: 1.5 }],
    [{ with: null, limit: 0 }],
    [{ with: null, limit: LIMITS.historyPageMax + 1 }],
    [{ with: null, limit: "10" }],
    [{ with: null, withId: "c7yUQ2V0cgyiFwRD" }],
    [{ with: "bob", withId: 7 }],
    [{ with: "bob", withId: "x".repeat(LIMITS.userIdMaxLength + 1) }],
  ])("refuse history request %j with BAD_REQUEST", (raw) => {
    expect(parseHistoryRequest(raw)).toMatchObject({ ok: false, error: { code: ErrorCode.BAD_REQUEST } });
  });

  it.each([[{}], [{ after: -1 }], [{ after: "5" }], [{ after: Number.NaN }], [null]])(
    "refuse sync request %j with BAD_REQUEST",
    (raw) => {
      expect(parseSyncRequest(raw)).toMatchObject({ ok: false, error: { code: ErrorCode.BAD_REQUEST } });
    },
  );
});

describe("typing", () => {
  it("names a peer, and optionally the identity meant", () => {
    expect(parseTypingRequest({ to: "Bob" })).toEqual({ ok: true, value: { to: "Bob" } });
    expect(parseTypingRequest({ to: "Bob", toId: "b1" })).toEqual({
      ok: true,
      value: { to: "Bob", toId: "b1" },
    });
  });

  it.each([
    [{}],
    [{ to: null }],
    [{ to: 7 }],
    [{ to: "x".repeat(LIMITS.peerNameMaxLength + 1) }],
    [{ to: "Bob", toId: 5 }],
    [null],
  ])("refuses %j as BAD_REQUEST: the group chat has no typing notices", (raw) => {
    expect(parseTypingRequest(raw)).toMatchObject({ ok: false, error: { code: ErrorCode.BAD_REQUEST } });
  });
});
