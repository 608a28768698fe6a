import type { UserSummary } from "@chat/shared";
import type { PresenceLine } from "../stores/presence-lines";

/** A piece of a line's sentence: a name (shown isolated, as right-to-left names need) or the words between. */
export interface LineSegment {
  text: string;
  name: boolean;
}

/** Up to this many are named; more are the first two and a count: a burst stays one short line. */
const NAMED_AT_MOST = 3;

const words = (text: string): LineSegment => ({ text, name: false });

/** "Ana joined", "Ana and Bo joined", "Ana, Bo and Cy joined", "Ana, Bo and 3 others joined". */
function phrase(people: readonly UserSummary[], verb: string): LineSegment[] {
  const named = people.length <= NAMED_AT_MOST ? people : people.slice(0, NAMED_AT_MOST - 1);
  const items = named.map(({ name }): LineSegment => ({ text: name, name: true }));
  if (people.length > named.length) items.push(words(`${people.length - named.length} others`));
  const segments = items.flatMap((item, index) => {
    if (index === 0) return [item];
    return [words(index === items.length - 1 ? " and " : ", "), item];
  });
  return [...segments, words(` ${verb}`)];
}

/** The sentence of a line, in pieces: who joined, then who left ("Ana joined; Bo and Cy left"). */
export function lineSegments(line: PresenceLine): LineSegment[] {
  const phrases = [
    ...(line.joined.length > 0 ? [phrase(line.joined, "joined")] : []),
    ...(line.left.length > 0 ? [phrase(line.left, "left")] : []),
  ];
  return phrases.flatMap((segments, index) => (index === 0 ? segments : [words("; "), ...segments]));
}
