/**
 * Loaded into each system's Node process (`--import`, with `--expose-gc`): SIGUSR2 runs a full garbage
 * collection and reports what stays in use on stderr. The idle-memory scenario reads memory this way, so
 * it measures what idle connections hold, not what the connection storm before it left for a collector
 * that had no reason to run yet (V8 keeps the heap it grew, so RSS alone says more about the storm).
 * When the process is profiled (BENCH_CPU_PROF), SIGTERM exits at once: V8 writes the profile on exit.
 */
import { MEMORY_REPORT } from "./memory-report.js";

const { gc } = globalThis as { gc?: () => void };
process.on("SIGUSR2", () => {
  gc?.();
  const { heapUsed, external } = process.memoryUsage();
  process.stderr.write(`${MEMORY_REPORT}${JSON.stringify({ heapUsed, external })}\n`);
});

if (process.execArgv.includes("--cpu-prof")) process.on("SIGTERM", () => process.exit(0));
