import { describe, expect, it } from "vitest";
import type { PresenceLine } from "../stores/presence-lines";
import { lineSegments } from "./presence-line-text";

const people = (...names: string[]) => names.map((name) => ({ name, id: `${name}-id` }));
const sentence = (joined: string[], left: string[] = []) => {
  const line: PresenceLine = { key: -1, at: 0, joined: people(...joined), left: people(...left) };
  return lineSegments(line)
    .map((segment) => segment.text)
    .join("");
};

describe("the words of a join and leave line", () => {
  it("names up to three, then two and how many others", () => {
    expect(sentence(["Ana"])).toBe("Ana joined");
    expect(sentence(["Ana", "Bo"])).toBe("Ana and Bo joined");
    expect(sentence(["Ana", "Bo", "Cy"])).toBe("Ana, Bo and Cy joined");
    expect(sentence(["Ana", "Bo", "Cy", "Dee", "Eve"])).toBe("Ana, Bo and 3 others joined");
  });

  it("says who joined, then who left", () => {
    expect(sentence([], ["Ana"])).toBe("Ana left");
    expect(sentence(["Ana"], ["Bo", "Cy"])).toBe("Ana joined; Bo and Cy left");
  });

  it("marks only the names as names, to be isolated for right-to-left scripts", () => {
    const line: PresenceLine = { key: -1, at: 0, joined: people("<b>שרה</b>", "Bo"), left: [] };
    expect(lineSegments(line).filter((segment) => segment.name)).toEqual([
      { text: "<b>שרה</b>", name: true },
      { text: "Bo", name: true },
    ]);
  });
});
