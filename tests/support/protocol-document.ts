import { readFileSync } from "node:fs";

/** docs/PROTOCOL.md, which conformance tests read as a client author would. */
export const PROTOCOL = readFileSync(new URL("../../docs/PROTOCOL.md", import.meta.url), "utf8");

/** The paragraph of the document that starts with `opening`. */
export function paragraph(opening: string): string {
  const start = PROTOCOL.indexOf(opening);
  if (start < 0) throw new Error(`the document has no "${opening}"`);
  return PROTOCOL.slice(start, PROTOCOL.indexOf("\n\n", start));
}

/** The numbers in a piece of the document, "262,144" read as one. */
export const numbersIn = (text: string): number[] =>
  [...text.matchAll(/\d[\d,]*/g)].map(([n]) => Number(n.replaceAll(",", "")));

/** The cells of the one table row whose first cell is `first` (its backticks and padding aside). */
export function tableRow(first: string): string[] {
  const rows = PROTOCOL.split("\n")
    .filter((line) => line.startsWith("|"))
    .map((line) =>
      line
        .split("|")
        .slice(1, -1)
        .map((cell) => cell.trim()),
    )
    .filter(([cell = ""]) => cell.replaceAll("`", "") === first);
  if (rows.length !== 1) throw new Error(`the document has ${rows.length} rows for "${first}"`);
  return rows[0] ?? [];
}
