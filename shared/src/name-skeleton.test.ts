import { describe, expect, it } from "vitest";
import { skeletonOfKey, uniqueNameKey } from "./name-skeleton.js";
import { nameKey, normalizeName } from "./names.js";

const same = (a: string, b: string) => expect(uniqueNameKey(normalizeName(a))).toBe(uniqueNameKey(b));

describe("unique name keys", () => {
  it("collide for letters of other scripts that look like Latin ones", () => {
    same("\u0430lice", "alice"); // Cyrillic small a
    same("\u0410lice", "Alice"); // Cyrillic capital A
    same("\u0391lice", "Alice"); // Greek capital Alpha
    same("B\u03BFb", "Bob"); // Greek small omicron
    same("\u0440\u0430\u0443\u0440\u0430l", "paypal"); // Cyrillic er, a, u
    same("B\u0585b", "Bob"); // Armenian small oh
  });

  it("collide for capitals of other scripts that look like Latin ones, whatever their small letters look like", () => {
    same("\u0412ob", "Bob"); // Cyrillic capital Ve, whose small "в" looks like no Latin letter
    same("\u041Delen", "Helen"); // Cyrillic capital En
    same("\u041A\u0410\u0422\u0415", "Kate"); // Cyrillic "КАТЕ"
    same("\u0392ob", "bob"); // Greek capital Beta
  });

  it("collide for lookalike numbers, symbols and letter-like forms", () => {
    same("\u2170van", "ivan"); // small Roman numeral one
    same("\u0456van", "ivan"); // Cyrillic Byelorussian-Ukrainian i
    same("a1ice", "alice"); // TR39 maps "1" to "l"
    same("B0B", "bob"); // and "0" to "O"
  });

  it("collide for mathematical alphanumerics and fullwidth forms, as before", () => {
    same("\u{1D400}\u{1D425}\u{1D422}\u{1D41C}\u{1D41E}", "alice"); // mathematical bold
    same("\u{1D49C}lice", "Alice"); // mathematical script A
    same("\uFF21\uFF4C\uFF49\uFF43\uFF45", "alice"); // fullwidth
  });

  it('collide for "rn" and "m", which TR39 counts as lookalikes', () => {
    same("rnaria", "maria");
  });

  it("keep apart names that only share letters, or differ in a letter that shows", () => {
    expect(uniqueNameKey("alice")).not.toBe(uniqueNameKey("alicia"));
    expect(uniqueNameKey("bob")).not.toBe(uniqueNameKey("bod"));
    expect(uniqueNameKey("Zoë")).not.toBe(uniqueNameKey("Zoe"));
    expect(uniqueNameKey("\u0438\u0432\u0430\u043D")).not.toBe(uniqueNameKey("ivan")); // "иван"
  });

  it("fold as nameKey does: case, width, blanks and invisible characters", () => {
    same("ALICE", "alice");
    same("Ann \u3164 Lee", "ann lee");
    same("Bob\uFE0F", "bob");
  });

  it("are the skeleton of the nameKey, so stored keys can be brought forward from the old ones", () => {
    for (const name of ["\u0430lice", "\u0412ob", "B0B", "rnaria", "\u{1D400}lice", "李小龍"]) {
      expect(skeletonOfKey(nameKey(name))).toBe(uniqueNameKey(name));
      expect(skeletonOfKey(uniqueNameKey(name))).toBe(uniqueNameKey(name));
    }
  });
});
