/** One sample line: `name{label="value",…} value`. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const TYPES = new Set(["counter", "gauge", "histogram", "summary", "untyped"]);
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+(-?\d+))?$/;
const LABEL = /\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"\s*(,|$)/y;

/**
 * A strict parser of the Prometheus text exposition format (0.0.4): every line is empty, a HELP, a TYPE
 * or a sample whose family was TYPEd first, with well-formed labels and a number. Anything else throws.
 */
export function parsePrometheusText(text: string): Sample[] {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  const lines = text.split("\n");
  if (lines.pop() !== "") throw new Error("the exposition must end with a newline");
  for (const [index, line] of lines.entries()) {
    const where = `line ${index + 1}: ${line}`;
    if (line === "") continue; // the format allows empty lines
    if (line.startsWith("#")) {
      const [, keyword, name, rest] = line.match(/^# (HELP|TYPE) (\S+) ?(.*)$/) ?? [];
      if (!keyword || !name || !NAME.test(name)) throw new Error(`bad comment, ${where}`);
      if (keyword === "TYPE") {
        if (!TYPES.has(rest ?? "") || types.has(name)) throw new Error(`bad or repeated TYPE, ${where}`);
        types.set(name, rest ?? "");
      }
      continue;
    }
    const [, name, labelText, valueText] = line.match(SAMPLE) ?? [];
    if (!name || valueText === undefined) throw new Error(`not a sample, ${where}`);
    if (!types.has(familyOf(name, types))) throw new Error(`sample before its TYPE, ${where}`);
    const value = parseValue(valueText);
    if (Number.isNaN(value) && !/^nan$/i.test(valueText)) throw new Error(`bad value, ${where}`);
    samples.push({ name, labels: parseLabels(labelText ?? "", where), value });
  }
  return samples;
}

/** The value of the one sample with this name and (at least) these labels; 0 when it is absent. */
export function sampleValue(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  const matching = samples.filter(
    (s) => s.name === name && Object.entries(labels).every(([key, value]) => s.labels[key] === value),
  );
  if (matching.length > 1) throw new Error(`${matching.length} samples match ${name}`);
  return matching[0]?.value ?? 0;
}

/** How many calls of a store operation (`visibleAfter`, `append`…) a server's /metrics has counted so far. */
export async function storeCalls(serverUrl: string, operation: string): Promise<number> {
  const samples = parsePrometheusText(await (await fetch(`${serverUrl}/metrics`)).text());
  return sampleValue(samples, "chat_store_operation_seconds_count", { operation });
}

/** Histogram and summary samples carry suffixes beyond their family's name. */
function familyOf(name: string, types: Map<string, string>): string {
  const base = name.replace(/_(bucket|sum|count)$/, "");
  return types.has(name) ? name : base;
}

/** As Go's ParseFloat reads it, which is what the format specifies: NaN and Inf in any case. */
function parseValue(text: string): number {
  if (/^nan$/i.test(text)) return Number.NaN;
  const infinity = text.match(/^([-+]?)inf(inity)?$/i);
  if (infinity) return infinity[1] === "-" ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  return /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text) ? Number(text) : Number.NaN;
}

function parseLabels(text: string, where: string): Record<string, string> {
  const labels: Record<string, string> = {};
  LABEL.lastIndex = 0;
  while (LABEL.lastIndex < text.length) {
    const match = LABEL.exec(text);
    if (!match?.[1] || match[2] === undefined) throw new Error(`bad labels, ${where}`);
    if (Object.hasOwn(labels, match[1])) throw new Error(`repeated label, ${where}`);
    labels[match[1]] = match[2].replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
    if (match[3] === "") break;
  }
  return labels;
}
