import { describe, expect, it } from "vitest";
import { parsePrometheusText, sampleValue } from "./prometheus-text.js";

describe("the Prometheus text parser the metrics tests rely on", () => {
  it("reads families, labels with escapes and special values", () => {
    const samples = parsePrometheusText(
      [
        "# HELP acks_total Answers.",
        "# TYPE acks_total counter",
        'acks_total{event="send",result="ok"} 3',
        'acks_total{event="say \\"hi\\"",result="ok"} 1e2',
        "",
        "# TYPE lag histogram",
        'lag_bucket{le="+Inf"} 7',
        "lag_sum Nan",
        "lag_count 7",
        "",
      ].join("\n"),
    );
    expect(sampleValue(samples, "acks_total", { event: "send" })).toBe(3);
    expect(sampleValue(samples, "acks_total", { event: 'say "hi"' })).toBe(100);
    expect(sampleValue(samples, "lag_count")).toBe(7);
  });

  it.each([
    ["a sample before its TYPE", "x 1\n"],
    ["a value that is not a number", "# TYPE x gauge\nx one\n"],
    ["an unquoted label", "# TYPE x gauge\nx{a=1} 1\n"],
    ["a repeated label", '# TYPE x gauge\nx{a="1",a="2"} 1\n'],
    ["an unknown type", "# TYPE x meter\n"],
    ["a missing final newline", "# TYPE x gauge\nx 1"],
  ])("refuses %s", (_, text) => {
    expect(() => parsePrometheusText(text)).toThrow();
  });
});
