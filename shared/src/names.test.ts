import { describe, expect, it } from "vitest";
import { ErrorCode } from "./errors.js";
import { LIMITS } from "./limits.js";
import { nameKey, normalizeName } from "./names.js";
import { parseName } from "./schemas.js";

describe("names", () => {
  it("are trimmed and NFC-normalised", () => {
    // "e" + combining acute accent becomes the single code point "é".
    expect(parseName("  Rene\u0301  ")).toEqual({ ok: true, value: "René" });
  });

  it("keep one plain space where they had a run of spaces of any kind", () => {
    expect(parseName("Ann  Lee")).toEqual({ ok: true, value: "Ann Lee" });
    expect(parseName("Ann\u00a0\u3000Lee")).toEqual({ ok: true, value: "Ann Lee" });
  });

  it.each([
    ["empty", ""],
    ["only spaces", "   "],
    ["not a string", 42],
    ["missing", undefined],
    ["an object", { name: "x" }],
    ["a control character", "bob\u0007"],
    ["a newline", "bo\nb"],
    ["a zero-width space", "bo\u200bb"],
    ["a zero-width joiner", "bo\u200db"],
    ["a right-to-left override", "\u202Eevil"],
    ["a lone surrogate", "bo\ud800b"],
    ["a line separator", "bo\u2028b"],
    ["33 characters", "a".repeat(33)],
    ["only a Hangul filler", "\u3164"],
    ["only a blank Braille pattern", "\u2800"],
    ["only a variation selector", "\uFE0F"],
    ["only a combining grapheme joiner", "\u034F"],
    ["only a combining accent", "\u0301"],
    ["only a Hangul choseong filler", "\u115F"],
    ["a zero-width joiner after an emoji, before a letter", "😀\u200db"],
    // TR39 section 5.4: marks that make a name look like another one.
    ["a dot above an i, which has one (looks like Alice)", "Ali\u0307ce"],
    ["a dot above a j, under another mark", "Aj\u0323\u0307"],
    ["one mark twice over a letter", "Bo\u0301\u0301b"],
    ["five marks stacked on a letter", "A\u0300\u0301\u0302\u0303\u0304"],
    ["a letter struck through", "Alice\u0336"],
    ["a letter slashed", "Bo\u0338b"],
  ])("refuse %s with NAME_INVALID", (_, raw) => {
    const result = parseName(raw);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe(ErrorCode.NAME_INVALID);
  });

  it("allow 32 characters counted as code points, not UTF-16 units", () => {
    const emoji = "😀".repeat(LIMITS.nameMaxLength);
    expect(emoji.length).toBe(64);
    expect(parseName(emoji).ok).toBe(true);
    expect(parseName(`${emoji}x`).ok).toBe(false);
  });

  it("allow letters of any script, spaces and punctuation inside", () => {
    // "Ệ" and "ậ" carry two marks each; "🧑‍💻" and "🏳️‍🌈" join emoji.
    for (const name of [
      "Zoë",
      "李小龍",
      "Jean-Luc O'Neil",
      "Ωmega 7",
      "مريم",
      "Nguyễn Ệ ậ",
      "Dev🧑‍💻",
      "Kim🏳️‍🌈",
      "सुनील",
    ]) {
      expect(parseName(name)).toEqual({ ok: true, value: name });
    }
  });

  it("collide when they differ only in case, width or normalisation", () => {
    expect(nameKey("Bob")).toBe(nameKey("bOB"));
    expect(nameKey("ｂｏｂ")).toBe(nameKey("bob"));
    expect(nameKey("straße")).toBe(nameKey("STRASSE"));
    expect(nameKey("René")).toBe(nameKey("Rene\u0301".normalize("NFC")));
    expect(nameKey("ﬁsh")).toBe(nameKey("fish"));
    expect(nameKey("bob")).not.toBe(nameKey("bobby"));
  });

  it("collide when they differ only in characters that show nothing", () => {
    for (const invisible of [
      "\uFE0F",
      "\uFE00",
      "\u{E0100}",
      "\u034F",
      "\u3164",
      "\u17B4",
      "\u180B",
      "\u2800",
    ]) {
      expect(nameKey(`Bob941${invisible}`)).toBe(nameKey("Bob941"));
    }
  });

  it("collide when a blank or an invisible character stands among spaces", () => {
    for (const name of [
      "Ann \u034F Lee",
      "Ann \uFE0F Lee",
      "Ann \u3164 Lee",
      "Ann\u3164Lee",
      "Ann \u2800 Lee",
    ]) {
      expect(nameKey(normalizeName(name))).toBe(nameKey("Ann Lee"));
    }
  });

  it("keep the variation selector an emoji needs", () => {
    expect(parseName("Anna \u2764\uFE0F")).toEqual({ ok: true, value: "Anna \u2764\uFE0F" });
  });
});
