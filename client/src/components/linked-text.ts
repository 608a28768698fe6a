/** A piece of a message's text: plain, or a web address that opens as a link (`href`, normalised). */
export interface TextPart {
  text: string;
  href?: string;
}

/** What may start a link: the web's own schemes only, so no `javascript:` or `data:` address ever runs. */
const ADDRESS = /\bhttps?:\/\/[^\s<>"]+/giu;

/** Punctuation that ends the sentence around an address rather than the address itself. */
const SENTENCE_END = /[.,;:!?'"’”]$/u;

/**
 * Where a pasted address ends: before the punctuation that follows it in the sentence ("see
 * https://example.org."), and before a closing bracket it did not open ("(https://example.org)"), while
 * one it opened stays ("https://en.wikipedia.org/wiki/Chat_(software)").
 */
function trimmedAddress(candidate: string): string {
  let address = candidate;
  for (;;) {
    const last = address.at(-1) ?? "";
    const unopened = last === ")" && count(address, ")") > count(address, "(");
    if (!SENTENCE_END.test(last) && !unopened) return address;
    address = address.slice(0, -1);
  }
}

function count(text: string, char: string): number {
  return text.split(char).length - 1;
}

/** The absolute http(s) URL an address names, or null when it names none (`https://` alone, say). */
function hrefOf(address: string): string | null {
  if (!URL.canParse(address)) return null;
  const url = new URL(address);
  return url.hostname === "" ? null : url.href;
}

/**
 * A message's text cut into plain text and web addresses, for the addresses to be links. Only text is
 * ever rendered: the parts go out as text nodes and as `<a>` elements built from them, never as HTML.
 */
export function linkedText(text: string): TextPart[] {
  const parts: TextPart[] = [];
  let plainFrom = 0;
  for (const match of text.matchAll(ADDRESS)) {
    const address = trimmedAddress(match[0]);
    const href = hrefOf(address);
    if (href === null) continue;
    if (match.index > plainFrom) parts.push({ text: text.slice(plainFrom, match.index) });
    parts.push({ text: address, href });
    plainFrom = match.index + address.length;
  }
  if (plainFrom < text.length) parts.push({ text: text.slice(plainFrom) });
  return parts;
}
