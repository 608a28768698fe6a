import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { ensureDebianPackage } from "./debian.js";
import { freePort } from "./ports.js";

export interface RunningRedis {
  url: string;
  port: number;
  /** Stops the server, by the pid this helper started, and removes its data. */
  stop(): Promise<void>;
  /** Stops the server as an outage would, keeping its data for `restart`. */
  halt(): Promise<void>;
  /** Starts it again after `halt`, on the same port with the same data. */
  restart(): Promise<void>;
  /** Freezes the server (SIGSTOP) as a stall would: connections stay open and nothing is answered. */
  pause(): void;
  /** Lets a paused server carry on (SIGCONT). */
  resume(): void;
}

/**
 * A real redis-server of Debian's on a free loopback port, with its data in a fresh directory: no RDB
 * snapshots, an append-only file fsynced before each reply, as the README asks of production.
 */
export async function startRedis(): Promise<RunningRedis> {
  const program = ensureDebianPackage("/usr/bin/redis-server", "redis-server");
  for (let attempt = 1; ; attempt++) {
    try {
      return await launch(program, await freePort());
    } catch (error) {
      // Someone may have taken the port between freePort and redis-server binding it.
      if (attempt === 3) throw error;
    }
  }
}

async function launch(program: string, port: number): Promise<RunningRedis> {
  const dir = mkdtempSync(join(tmpdir(), "chat-redis-"));
  let running: Awaited<ReturnType<typeof run>>;
  try {
    running = await run(program, port, dir);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    halt: () => running.stop(),
    pause: () => running.signal("SIGSTOP"),
    resume: () => running.signal("SIGCONT"),
    async restart() {
      running = await run(program, port, dir);
    },
    async stop() {
      await running.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** One redis-server process on `port` with its data in `dir`, resolved once it accepts connections. */
async function run(
  program: string,
  port: number,
  dir: string,
): Promise<{ stop(): Promise<void>; signal(signal: NodeJS.Signals): void }> {
  const args = ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--save", ""];
  const child = spawn(program, [...args, "--appendonly", "yes", "--appendfsync", "always"], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = new Promise<number | string>((resolve) =>
    child.once("exit", (code, signal) => resolve(code ?? signal ?? "unknown")),
  );
  const output: string[] = [];
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on("line", (line) => {
      output.push(line);
      if (line.includes("Ready to accept connections")) resolve();
    });
    void exited.then((code) =>
      reject(new Error(`redis-server exited (${code}) before it was ready:\n${output.join("\n")}`)),
    );
  });
  // Only the process this helper started, by its own pid.
  const signal = (name: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) process.kill(child.pid as number, name);
  };
  return {
    signal,
    async stop() {
      // A paused server would not act on SIGTERM until it is continued.
      signal("SIGCONT");
      signal("SIGTERM");
      await exited;
    },
  };
}
