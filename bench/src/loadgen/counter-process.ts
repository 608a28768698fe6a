import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import type { StormReport, WireProtocol } from "../step.js";

/**
 * The native counting clients (bench/native/counter.c), driven line by line over stdin/stdout. It runs
 * as a child of the load generator, so it inherits the load generator's core.
 */

/** Bytes a counting socket gathers before the kernel wakes the counter: dozens of chat frames per read. */
const RCVLOWAT_BYTES = 4096;

export interface CounterReport {
  chatFrames: number;
  otherFrames: number;
  chatBytes: number;
  otherBytes: number;
  closed: number;
  cpuMicros: number;
}

export class CounterProcess {
  private readonly child: ChildProcess;
  private readonly waiting: { prefix: string; resolve: (words: string[]) => void }[] = [];
  private failure: Error | null = null;

  /** `sessionEventPrefix`: how the system's session event starts, when it has one (this chat server). */
  constructor(
    path: string,
    port: number,
    protocol: WireProtocol,
    firstIndex: number,
    sessionEventPrefix: string | null,
  ) {
    const args = [
      String(port),
      protocol,
      String(firstIndex),
      String(RCVLOWAT_BYTES),
      sessionEventPrefix ?? "-",
    ];
    this.child = spawn(path, args, { stdio: ["pipe", "pipe", "inherit"] });
    createInterface({ input: this.child.stdout as NodeJS.ReadableStream }).on("line", (line) => {
      const words = line.split(" ");
      if (words[0] === "failed") this.failure = new Error(`counting clients: ${line}`);
      const index = this.waiting.findIndex((w) => w.prefix === words[0]);
      if (index >= 0) this.waiting.splice(index, 1)[0]?.resolve(words.slice(1));
    });
  }

  /** Opens `count` more clients; resolves once all are logged in. */
  async connect(count: number): Promise<void> {
    await this.ask(`connect ${count}`, "connected");
  }

  /** Counting starts from zero now. */
  async mark(): Promise<void> {
    await this.ask("mark", "marked");
  }

  async report(): Promise<CounterReport> {
    const [chatFrames, otherFrames, chatBytes, otherBytes, closed, cpuMicros] = (
      await this.ask("report", "report")
    ).map(Number) as [number, number, number, number, number, number];
    return { chatFrames, otherFrames, chatBytes, otherBytes, closed, cpuMicros };
  }

  /**
   * Cuts every client at once and brings them back, each asking for its connection back when `recover`,
   * and sending `sync` (when given) once logged in if it was not recovered.
   */
  async storm(recover: boolean, sync: string | null): Promise<StormReport> {
    const [clients, refusals, p50Ms, p99Ms, maxMs, bytesPerClient, recovered] = (
      await this.ask(`storm ${recover ? "recover" : "fresh"} ${sync ?? "-"}`, "stormed")
    ).map(Number) as [number, number, number, number, number, number, number];
    return { clients, refusals, p50Ms, p99Ms, maxMs, bytesPerClient, recovered };
  }

  stop(): void {
    this.child.kill("SIGKILL");
  }

  private ask(command: string, prefix: string): Promise<string[]> {
    return new Promise((resolve, reject) => {
      if (this.failure) return reject(this.failure);
      const check = setInterval(() => {
        if (this.failure || this.child.exitCode !== null) {
          clearInterval(check);
          reject(this.failure ?? new Error(`counting clients exited (${this.child.exitCode})`));
        }
      }, 100);
      this.waiting.push({
        prefix,
        resolve: (words) => {
          clearInterval(check);
          resolve(words);
        },
      });
      this.child.stdin?.write(`${command}\n`);
    });
  }
}
