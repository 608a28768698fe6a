import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { connect, createServer } from "node:net";

/** Which core runs what: the system under test on one, the load generator alone on the other. */
export const SERVER_CORE = 0;
export const LOADGEN_CORE = 1;

const CLOCK_TICKS_PER_SECOND = 100;

/** Starts a command pinned to one core. `taskset` execs it, so the pid is the command's own. */
export function spawnPinned(
  core: number,
  command: string,
  args: string[],
  env: Record<string, string> = {},
): ChildProcess {
  return spawn("taskset", ["-c", String(core), command, ...args], {
    env: { ...process.env, ...env },
    stdio: "pipe",
  });
}

/** How long a profiled process may take to write its CPU profile before it is killed. */
const PROFILE_WRITE_MS = 10_000;

/** Ends a process this bench started, by its pid, and waits until it is gone. */
export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  if (child.spawnargs.includes("--cpu-prof")) {
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), PROFILE_WRITE_MS);
    await exited;
    clearTimeout(timer);
    return;
  }
  child.kill("SIGKILL");
  await exited;
}

export async function freePort(): Promise<number> {
  const probe = createServer();
  probe.listen(0, "127.0.0.1");
  await once(probe, "listening");
  const { port } = probe.address() as { port: number };
  probe.close();
  await once(probe, "close");
  return port;
}

/** Waits until something accepts TCP connections on the port (bounded). */
export async function waitForPort(port: number, child: ChildProcess, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`process exited (${child.exitCode}) before listening`);
    const accepted = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: "127.0.0.1", port });
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (accepted) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`nothing listens on port ${port} after ${timeoutMs} ms`);
}

/** CPU seconds (user + system) a process has used so far, from /proc. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name, which may contain spaces, so split after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

/** Resident memory of a process in bytes, from /proc. */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const match = /VmRSS:\s+(\d+) kB/.exec(status);
  return match ? Number(match[1]) * 1024 : 0;
}
