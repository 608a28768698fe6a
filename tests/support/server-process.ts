import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const MAIN = fileURLToPath(new URL("../../server/dist/main.js", import.meta.url));

export interface ServerProcess {
  child: ChildProcess;
  port: number;
  url: string;
  /** Every structured log line the server printed. */
  logs: Record<string, unknown>[];
  /** Resolves with the exit code (or signal name). */
  exited: Promise<number | string>;
  kill(signal: NodeJS.Signals): Promise<number | string>;
}

/** The server exited before it listened: how, and what it logged. */
export class StartFailed extends Error {
  constructor(
    readonly exit: number | string,
    readonly logs: Record<string, unknown>[],
  ) {
    super(`server exited (${exit}) before listening`);
  }
}

/** Starts the built server (`server/dist/main.js`) as its own process and waits until it listens. */
export async function startServerProcess(env: Record<string, string>): Promise<ServerProcess> {
  const child = spawn(process.execPath, [MAIN], {
    env: { ...process.env, HOST: "127.0.0.1", LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const logs: Record<string, unknown>[] = [];
  const exited = new Promise<number | string>((resolve) =>
    child.once("exit", (code, signal) => resolve(code ?? signal ?? "unknown")),
  );
  const listening = new Promise<number>((resolve, reject) => {
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on("line", (line) => {
      const entry = JSON.parse(line) as Record<string, unknown>;
      logs.push(entry);
      if (entry.msg === "listening") resolve(entry.port as number);
    });
    void exited.then((code) => reject(new StartFailed(code, logs)));
  });
  const port = await listening;
  return {
    child,
    port,
    url: `http://127.0.0.1:${port}`,
    logs,
    exited,
    kill(signal) {
      // Only the process this helper started, by its own pid.
      if (child.exitCode === null && child.signalCode === null) process.kill(child.pid as number, signal);
      return exited;
    },
  };
}
