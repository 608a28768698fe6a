import type { ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { cpuSeconds, LOADGEN_CORE, rssBytes, spawnPinned, stop } from "./processes.js";
import type {
  LoadgenCommand,
  LoadgenEvent,
  MeasurePlan,
  SessionConfig,
  StepResult,
  StormReport,
} from "./step.js";
import type { RunningSystem, SystemUnderTest } from "./systems.js";

const LOADGEN = fileURLToPath(new URL("./loadgen/main.js", import.meta.url));
const MEMORY_POLL_MS = 100;
/** Above this the load generator, not the server, may be what limits the numbers. */
export const LOADGEN_BUSY_LIMIT = 95;

export interface StepMeasurement extends StepResult {
  /** The system's processes' CPU use over the measured window, in % of one core. */
  serverCpu: number;
  /** The system's memory as the measurement started (all clients connected), and the highest seen in it. */
  rssConnected: number;
  rssPeak: number;
  /** Why the step does not count (load generator saturated, system not what it claims), or null. */
  invalid: string | null;
}

export interface StormMeasurement extends StormReport {
  /** CPU seconds the system's processes spent from the cut until the last client was back. */
  serverCpuSeconds: number;
  rssConnected: number;
  rssPeak: number;
}

export type SessionSettings = Pick<SessionConfig, "senders" | "samplers" | "textLength" | "counterPath">;

/** The system's memory or CPU: the sum over its processes (the chat server, and Redis for d). */
const total = (pids: number[], read: (pid: number) => number) =>
  pids.reduce((sum, pid) => sum + (existsSync(`/proc/${pid}`) ? read(pid) : 0), 0);

/** A load generator process attached to one running system, driven one command at a time. */
export class LoadSession {
  private readonly child: ChildProcess;
  private listener: ((event: LoadgenEvent) => void) | null = null;
  private exited = false;

  constructor(
    private readonly system: SystemUnderTest,
    private readonly running: RunningSystem,
    settings: SessionSettings,
  ) {
    const config: SessionConfig = {
      ...settings,
      port: running.port,
      protocol: system.protocol,
      echoToSender: system.echoToSender,
      resumesSessions: system.resumesSessions,
    };
    this.child = spawnPinned(LOADGEN_CORE, process.execPath, [LOADGEN, JSON.stringify(config)]);
    this.child.stdin?.on("error", () => {});
    this.child.stderr?.on("data", (chunk: Buffer) => process.stderr.write(chunk));
    this.child.once("exit", (code) => {
      this.exited = true;
      this.listener?.({ event: "failed", error: `load generator exited (${code})` });
    });
    createInterface({ input: this.child.stdout as NodeJS.ReadableStream }).on("line", (line) =>
      this.listener?.(JSON.parse(line) as LoadgenEvent),
    );
  }

  /** The system's memory now. */
  rss(): number {
    return total(this.running.pids, rssBytes);
  }

  /** Connects clients up to `clients` in all; rejects after `timeoutMs`. Resolves with how long it took. */
  async connect(clients: number, timeoutMs: number): Promise<number> {
    const started = Date.now();
    await this.send({ command: "connect", clients }, timeoutMs, (event, done) => {
      if (event.event === "connected") done();
    });
    return Date.now() - started;
  }

  /** Cuts the counted clients at once and times them back (LoadGenerator.storm). */
  async storm(recover: boolean, timeoutMs: number): Promise<StormMeasurement> {
    const memory = this.watchMemory();
    const cpuAtStart = total(this.running.pids, cpuSeconds);
    let report = null as StormReport | null;
    try {
      await this.send({ command: "storm", recover }, timeoutMs, (event, done) => {
        if (event.event !== "stormed") return;
        report = event.result;
        done();
      });
    } finally {
      memory.stop();
    }
    if (!report) throw new Error(`${this.system.label}: no storm report`);
    const serverCpuSeconds = total(this.running.pids, cpuSeconds) - cpuAtStart;
    return { ...(report as StormReport), serverCpuSeconds, ...memory.read() };
  }

  /** The system's memory now, and the most it uses until stopped (polled). */
  private watchMemory() {
    const rssConnected = this.rss();
    let rssPeak = rssConnected;
    const poll = setInterval(() => {
      rssPeak = Math.max(rssPeak, this.rss());
    }, MEMORY_POLL_MS);
    return {
      stop: () => clearInterval(poll),
      read: () => ({ rssConnected, rssPeak: Math.max(rssPeak, this.rss()) }),
    };
  }

  async measure(plan: MeasurePlan): Promise<StepMeasurement> {
    const { pids } = this.running;
    const memory = this.watchMemory();
    let cpuAtStart = 0;
    let windowStarted = 0;
    let serverCpu = 0;
    let result = null as StepResult | null;
    const timeoutMs = plan.warmupMs + plan.measureMs + plan.drainMs + 60_000;
    try {
      await this.send({ command: "measure", ...plan }, timeoutMs, (event, done) => {
        if (event.event === "measure-start") {
          windowStarted = performance.now();
          cpuAtStart = total(pids, cpuSeconds);
        } else if (event.event === "measure-end") {
          const seconds = (performance.now() - windowStarted) / 1000;
          serverCpu = (100 * (total(pids, cpuSeconds) - cpuAtStart)) / seconds;
        } else if (event.event === "result") {
          result = event.result;
          done();
        }
      });
    } finally {
      memory.stop();
    }
    if (!result) throw new Error(`${this.system.label}: no result`);
    const measured = result;
    const mislabelled = await this.running.verify();
    const busy =
      measured.loadgenBusy > LOADGEN_BUSY_LIMIT ? `load generator ${measured.loadgenBusy}% busy` : null;
    return {
      ...measured,
      serverCpu: Math.round(serverCpu),
      ...memory.read(),
      invalid: mislabelled ?? busy,
    };
  }

  async close(): Promise<void> {
    this.child.stdin?.end();
    await stop(this.child);
  }

  private send(
    command: LoadgenCommand,
    timeoutMs: number,
    onEvent: (event: LoadgenEvent, done: () => void) => void,
  ): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.exited) return reject(new Error(`${this.system.label}: load generator is gone`));
      const timer = setTimeout(
        () => finish(new Error(`${command.command} timed out after ${timeoutMs} ms`)),
        timeoutMs,
      );
      const finish = (error: Error | null) => {
        clearTimeout(timer);
        this.listener = null;
        if (error) reject(error);
        else resolve();
      };
      this.listener = (event) => {
        if (event.event === "failed") return finish(new Error(`${this.system.label}: ${event.error}`));
        onEvent(event, () => finish(null));
      };
      this.child.stdin?.write(`${JSON.stringify(command)}\n`);
    });
  }
}
