import { LIMITS } from "./limits.js";

/**
 * Characters a name may not contain: control (Cc), format — zero-width joiners, bidi overrides — (Cf),
 * lone surrogates (Cs), private use (Co), and line / paragraph separators. They make names that look alike
 * or that reorder the text around them.
 */
const FORBIDDEN_IN_NAME = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Zl}\p{Zp}]/u;

/**
 * A zero-width joiner inside an emoji sequence ("👩‍💻", "🏳️‍🌈"): there it draws one emoji of two, and the
 * nameKey, which drops it, still compares the name as the two.
 */
const EMOJI_JOINER =
  /(?<=\p{Extended_Pictographic}[\uFE0F\u{1F3FB}-\u{1F3FF}]?)\u200D(?=\p{Extended_Pictographic})/gu;

/**
 * Marks a name may not carry (TR39's optional checks, section 5.4), each of which makes a name look like
 * another one the uniqueness key tells apart: one mark twice over a letter, more than four stacked (which
 * also spill over the lines around), a dot above a letter that already has one ("i" + U+0307 is "i"), and
 * marks drawn through a letter (a stroke or slash overlay). Found in the decomposed name.
 */
const MARK_PROBLEMS: readonly [RegExp, string][] = [
  [/(\p{Mn})\1/u, "A name may not repeat a mark over one letter."],
  [/\p{Mn}{5}/u, "A name may not stack more than four marks on a letter."],
  [/\p{Soft_Dotted}\p{Mn}*\u0307/u, "A name may not add a dot to a letter that has one."],
  [
    /[\u0334-\u0338\u20D2\u20D3\u20D8-\u20DA\u20E5\u20E6\u20EA\u20EB]/u,
    "A name may not strike its letters through.",
  ],
];

/** Characters that show as a blank the width of a letter: the Hangul fillers and the blank Braille pattern. */
const BLANK = /[\u115F\u1160\u3164\uFFA0\u2800]/gu;

/**
 * Characters that show nothing: Unicode's default-ignorable ones, such as variation selectors and the
 * combining grapheme joiner. They may stay in a name (an emoji needs its variation selector), but count
 * neither for uniqueness nor as something to see.
 */
const INVISIBLE = /\p{Default_Ignorable_Code_Point}/gu;

/** A name must show something: a letter, digit, punctuation mark or symbol, not only marks or spaces. */
const VISIBLE = /[\p{L}\p{N}\p{P}\p{S}]/u;

/** Spaces of any width, in runs: a page shows a run as one space, so names differing there look alike. */
const SPACES = /\p{Zs}+/gu;

/**
 * Whether text shows nothing: only spaces, blank fillers and characters that show nothing (a zero-width
 * space, say). Such a message would be an empty row; such a name, an empty one.
 */
export function showsNothing(text: string): boolean {
  return text.replace(BLANK, "").replace(INVISIBLE, "").trim() === "";
}

/** The display form of a name: NFC-normalised, trimmed, and each run of spaces one plain space. */
export function normalizeName(raw: string): string {
  return raw.normalize("NFC").trim().replace(SPACES, " ");
}

export function codePointLength(text: string): number {
  let length = 0;
  for (const _ of text) length++;
  return length;
}

/** Why a normalised name is refused, or null when it is fine. `maxLength`: a server's, if lower. */
export function nameProblem(name: string, maxLength: number = LIMITS.nameMaxLength): string | null {
  const length = codePointLength(name);
  if (length === 0) return "A name needs at least one visible character.";
  if (length > maxLength) return `A name has at most ${maxLength} characters.`;
  if (FORBIDDEN_IN_NAME.test(name.replace(EMOJI_JOINER, ""))) {
    return "A name may not contain control or invisible characters.";
  }
  const decomposed = name.normalize("NFD");
  for (const [problem, why] of MARK_PROBLEMS) if (problem.test(decomposed)) return why;
  if (!VISIBLE.test(name.replace(BLANK, "").replace(INVISIBLE, ""))) {
    return "A name needs at least one visible character.";
  }
  return null;
}

/**
 * Compatibility-normalised (so "ｂｏｂ" and "bob", or "ﬁ" and "fi", are one) and case-folded: upper- then
 * lower-casing folds "ß" and "SS" together, which toLowerCase alone does not.
 */
export function foldName(text: string): string {
  return text.normalize("NFKC").toUpperCase().toLowerCase().normalize("NFKC");
}

/**
 * A name as it compares in lists and search: blanks are spaces, invisible characters are gone (so "Bob"
 * followed by a variation selector is still "Bob"), each run of spaces is one space again, then folded
 * (see foldName). Uniqueness folds further, lookalikes from other scripts too: see uniqueNameKey in
 * name-skeleton.ts, which the server uses.
 */
export function nameKey(name: string): string {
  return foldName(name.replace(BLANK, " ").replace(INVISIBLE, "").replace(SPACES, " ").trim());
}
