import { Writable } from "node:stream";
import type { Level } from "pino";
import { createLogger } from "../observability/logger.js";

/** A logger (at trace level unless told), and every line it writes, parsed. */
export function capturedLog(level: Level = "trace") {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { lines, log: createLogger(level, destination) };
}
