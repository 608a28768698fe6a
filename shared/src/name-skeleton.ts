// Unicode's confusables.txt (TR39), as a map from each confusable character to its prototype. Only the
// data is taken from the package: its own function skips TR39's NFD steps. 100 KB (28 KB gzipped): kept
// out of index.ts, so the web client's bundle never carries it (see uniqueNameKey).
import confusables from "unhomoglyph/data.json" with { type: "json" };
import { foldName, nameKey } from "./names.js";

/**
 * TR39 is case-sensitive: the Cyrillic "В" looks like "B", but its small "в" like no Latin letter. Names are
 * compared after folding case, which would let "Вob" pass for "Bob": so the folded form of a letter that
 * looks like a Latin capital stands for that capital's small letter ("в" for "b", "н" for "h", Greek "κ" for
 * "k"). Letters only, never ASCII: a digit keeps its own prototype.
 */
function withCapitalLookalikes(prototypes: Record<string, string>): Map<string, string> {
  const map = new Map(Object.entries(prototypes));
  for (const [char, prototype] of Object.entries(prototypes)) {
    if (!/^[A-Z]$/.test(prototype)) continue;
    const small = foldName(char);
    if (/^[^\0-\x7F]$/u.test(small) && /\p{L}/u.test(small)) map.set(small, prototype.toLowerCase());
  }
  return map;
}

const PROTOTYPES: ReadonlyMap<string, string> = withCapitalLookalikes(confusables);

/** TR39's skeleton: NFD, each character replaced by its prototype, NFD again. */
function skeleton(text: string): string {
  let mapped = "";
  for (const char of text.normalize("NFD")) mapped += PROTOTYPES.get(char) ?? char;
  return mapped.normalize("NFD");
}

/**
 * Some prototypes are capitals ("0" looks like "O") and lower-case to another confusable ("ᗰ" is "M",
 * whose "m" is "rn"): skeleton and fold again until nothing changes. A few rounds at most for any single
 * character (checked over all of Unicode); the bound only guards against a data update that cycles.
 */
const MAX_ROUNDS = 8;

/**
 * The skeleton of a nameKey: keys of names that look alike are equal ("аlice" with a Cyrillic "а",
 * "Αlice" with a Greek Alpha, "Вob" with a Cyrillic "В", "𝐚lice", "a1ice" and "alice"; "rn" and "m").
 * Case is folded first, so a capital "I" is an "i" here, not the "l" it resembles in some fonts.
 */
export function skeletonOfKey(key: string): string {
  let current = key;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const next = foldName(skeleton(current));
    if (next === current) break;
    current = next;
  }
  return current;
}

/**
 * The identity of a name for uniqueness: two names with the same one cannot be held at once. Computed by
 * the server only (the confusables data is too large for the web client, whose lists and search compare
 * nameKeys), and stored by the backends: changing it needs a migration of what they keep.
 */
export function uniqueNameKey(name: string): string {
  return skeletonOfKey(nameKey(name));
}
