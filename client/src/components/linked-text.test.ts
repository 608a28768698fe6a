import { describe, expect, it } from "vitest";
import { linkedText } from "./linked-text";

describe("linkedText", () => {
  it("leaves text without addresses as one plain part", () => {
    expect(linkedText("no links here: example.org")).toEqual([{ text: "no links here: example.org" }]);
  });

  it("makes an http or https address a link, the text around it plain", () => {
    expect(linkedText("see https://example.org/a?b=1#c now")).toEqual([
      { text: "see " },
      { text: "https://example.org/a?b=1#c", href: "https://example.org/a?b=1#c" },
      { text: " now" },
    ]);
    expect(linkedText("http://example.org")).toEqual([
      { text: "http://example.org", href: "http://example.org/" },
    ]);
  });

  it("ends an address before the sentence's punctuation and a bracket it did not open", () => {
    expect(linkedText("(see https://example.org/x).")).toEqual([
      { text: "(see " },
      { text: "https://example.org/x", href: "https://example.org/x" },
      { text: ")." },
    ]);
    const wiki = "https://en.wikipedia.org/wiki/Chat_(software)";
    expect(linkedText(`${wiki}!`)[0]).toEqual({ text: wiki, href: wiki });
  });

  it("links no other scheme, and no address without a host", () => {
    for (const text of ["javascript:alert(1)", "data:text/html,<b>x</b>", "https:// nothing", "https://"]) {
      expect(linkedText(text).some((part) => part.href !== undefined)).toBe(false);
    }
  });

  it("links each of several addresses", () => {
    const hrefs = linkedText("https://a.example and https://b.example").flatMap((part) => part.href ?? []);
    expect(hrefs).toEqual(["https://a.example/", "https://b.example/"]);
  });
});
