import { Writable } from "node:stream";
import { createLogger } from "../observability/logger.js";

/** A logger at trace level, and every line it writes, parsed. */
export function capturedLog() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { lines, log: createLogger("trace", destination) };
}
