import { LIMITS } from "./limits.js";

/**
 * Characters a name may not contain: control (Cc), format — zero-width joiners, bidi overrides — (Cf),
 * lone surrogates (Cs), private use (Co), and line / paragraph separators. They make names that look alike
 * or that reorder the text around them.
 */
const FORBIDDEN_IN_NAME = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Zl}\p{Zp}]/u;

/**
 * Characters that show nothing: Unicode's default-ignorable ones (variation selectors, Hangul fillers,
 * the combining grapheme joiner...) and the blank Braille pattern. They may stay in a name (an emoji
 * needs its variation selector), but count neither for uniqueness nor as something to see.
 */
const INVISIBLE = /[\p{Default_Ignorable_Code_Point}\u2800]/gu;

/** A name must show something: a letter, digit, punctuation mark or symbol, not only marks or spaces. */
const VISIBLE = /[\p{L}\p{N}\p{P}\p{S}]/u;

/** Spaces of any width, in runs: a page shows a run as one space, so names differing there look alike. */
const SPACES = /\p{Zs}+/gu;

/** The display form of a name: NFC-normalised, trimmed, and each run of spaces one plain space. */
export function normalizeName(raw: string): string {
  return raw.normalize("NFC").trim().replace(SPACES, " ");
}

export function codePointLength(text: string): number {
  let length = 0;
  for (const _ of text) length++;
  return length;
}

/** Why a normalised name is refused, or null when it is fine. */
export function nameProblem(name: string): string | null {
  const length = codePointLength(name);
  if (length === 0) return "A name needs at least one visible character.";
  if (length > LIMITS.nameMaxLength) return `A name has at most ${LIMITS.nameMaxLength} characters.`;
  if (FORBIDDEN_IN_NAME.test(name)) return "A name may not contain control or invisible characters.";
  if (!VISIBLE.test(name.replace(INVISIBLE, ""))) return "A name needs at least one visible character.";
  return null;
}

/**
 * The identity of a name for uniqueness: without invisible characters (so "Bob" followed by a variation
 * selector is still "Bob"), compatibility-normalised (so "ｂｏｂ" and "bob", or "ﬁ" and "fi", collide)
 * and case-folded. Upper- then lower-casing folds "ß" and "SS" together, which toLowerCase alone does not.
 */
export function nameKey(name: string): string {
  return name.replace(INVISIBLE, "").normalize("NFKC").toUpperCase().toLowerCase().normalize("NFKC");
}
