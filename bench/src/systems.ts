import { copyFileSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { freePort, SERVER_CORE, spawnPinned, stop, waitForPort } from "./processes.js";
import type { WireProtocol } from "./step.js";
import { type HeapInUse, MEMORY_REPORT } from "./systems/memory-report.js";

/** The four systems the bench compares, each started fresh (its own process on the server core) per step. */

/** c0, d0: an earlier build of this server, run beside the current one to measure a change within one run. */
export type SystemId = "a" | "b" | "c" | "d" | "c0" | "d0";

export interface RunningSystem {
  port: number;
  /** Every process of the system (the chat server, and Redis for d): their CPU and memory are its cost. */
  pids: number[];
  /** Runs a full garbage collection in the system's Node process; resolves with what stays in use. */
  collectGarbage(): Promise<HeapInUse | null>;
  /** Whether the system really did what it is labelled as (d: the server wrote to Redis). */
  verify(): Promise<string | null>;
  stop(): Promise<void>;
}

export interface SystemUnderTest {
  id: SystemId;
  label: string;
  protocol: WireProtocol;
  echoToSender: boolean;
  hasPresence: boolean;
  /** Hands out resume tokens, and answers `sync`: this chat server. */
  resumesSessions: boolean;
  /** Offers Socket.IO's connection state recovery: this chat server on one process, with SQLite. */
  recoversConnections: boolean;
  start(tuning: ServerTuning): Promise<RunningSystem>;
}

export interface ServerTuning {
  /** How long a user who left stays listed; short in the churn scenario, so leaves happen within a step. */
  presenceGraceMs?: number;
  /** A chat.db to start from (see storedMessages), copied into the fresh data directory of a SQLite server. */
  storedDb?: string;
}

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const SERVER_MAIN = here("../../server/dist/main.js");
const REDIS_SERVER = "/usr/bin/redis-server";
const COLLECT_ON_SIGNAL = here("./systems/collect-on-signal.js");
/** Bounds the wait for the report of a full collection, and then lets the freed pages leave RSS. */
const COLLECTION_TIMEOUT_MS = 10_000;
const SETTLE_AFTER_COLLECTION_MS = 500;

/**
 * Limits off: the bench connects thousands of clients from one address and sends far faster than a person.
 * Variables the server does not know are ignored.
 */
const UNLIMITED = {
  CONNECTIONS_PER_IP: "0",
  HANDSHAKES_PER_IP_PER_MINUTE: "0",
  MESSAGES_PER_SECOND: "0",
  MESSAGE_BURST: "0",
  READS_PER_SECOND: "0",
  READ_BURST: "0",
};

/** `BENCH_CPU_PROF=<dir>`: each system process writes a V8 CPU profile there as it stops (to find hot spots). */
const CPU_PROFILE = process.env.BENCH_CPU_PROF
  ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`]
  : [];

async function startNode(entry: string, env: Record<string, string>, extraPids: number[] = []) {
  const port = await freePort();
  const args = ["--expose-gc", ...CPU_PROFILE, "--import", COLLECT_ON_SIGNAL, entry];
  const child = spawnPinned(SERVER_CORE, process.execPath, args, { PORT: String(port), ...env });
  child.stdout?.resume();
  let onReport: ((heap: HeapInUse) => void) | null = null;
  createInterface({ input: child.stderr as NodeJS.ReadableStream }).on("line", (line) => {
    if (line.startsWith(MEMORY_REPORT)) onReport?.(JSON.parse(line.slice(MEMORY_REPORT.length)) as HeapInUse);
    else process.stderr.write(`${line}\n`);
  });
  await waitForPort(port, child);
  const collectGarbage = async (): Promise<HeapInUse | null> => {
    const report = new Promise<HeapInUse | null>((resolve) => {
      const timer = setTimeout(() => resolve(null), COLLECTION_TIMEOUT_MS);
      onReport = (heap) => {
        clearTimeout(timer);
        resolve(heap);
      };
    });
    child.kill("SIGUSR2");
    const heap = await report;
    await new Promise((resolve) => setTimeout(resolve, SETTLE_AFTER_COLLECTION_MS));
    return heap;
  };
  return { port, child, pids: [child.pid as number, ...extraPids], collectGarbage };
}

function baseline(id: SystemId, label: string, protocol: WireProtocol, entry: string, echo: boolean) {
  return {
    id,
    label,
    protocol,
    echoToSender: echo,
    hasPresence: false,
    resumesSessions: false,
    recoversConnections: false,
    async start(): Promise<RunningSystem> {
      const { port, child, pids, collectGarbage } = await startNode(here(entry), {});
      return { port, pids, collectGarbage, verify: async () => null, stop: () => stop(child) };
    },
  } satisfies SystemUnderTest;
}

/** This server exactly as deployed (its main.js), with a fresh data directory. */
export async function startChatServer(
  tuning: ServerTuning,
  env: Record<string, string>,
  extraPids: number[] = [],
  main = SERVER_MAIN,
) {
  const dataDir = mkdtempSync(join(tmpdir(), "chat-bench-"));
  if (tuning.storedDb) copyFileSync(tuning.storedDb, join(dataDir, "chat.db"));
  const { port, child, pids, collectGarbage } = await startNode(
    main,
    {
      HOST: "127.0.0.1",
      DATA_DIR: dataDir,
      LOG_LEVEL: "warn",
      CLIENT_DIR: join(dataDir, "no-client"),
      ...(tuning.presenceGraceMs === undefined ? {} : { PRESENCE_GRACE_MS: String(tuning.presenceGraceMs) }),
      ...UNLIMITED,
      ...env,
    },
    extraPids,
  );
  return {
    port,
    pids,
    collectGarbage,
    async stop() {
      await stop(child);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export const RAW_WS = baseline("a", "(a) raw ws", "ws", "./systems/raw-ws.js", false);
export const MINIMAL_SOCKET_IO = baseline(
  "b",
  "(b) minimal socket.io",
  "socket.io",
  "./systems/minimal-socketio.js",
  true,
);

export const CHAT_SQLITE: SystemUnderTest = {
  id: "c",
  label: "(c) this server, SQLite",
  protocol: "socket.io",
  echoToSender: false,
  hasPresence: true,
  resumesSessions: true,
  recoversConnections: true,
  async start(tuning) {
    const server = await startChatServer(tuning, {});
    return { ...server, verify: async () => null };
  },
};

/**
 * A copy of an earlier server/dist (say server/baseline/dist: ignored like every dist/). It must sit inside
 * server/ to resolve the same dependencies.
 */
export function previousBuild(dir: string): SystemUnderTest {
  const main = builtMain(dir);
  return {
    ...CHAT_SQLITE,
    id: "c0",
    label: `(c0) this server, earlier build (${dir})`,
    async start(tuning) {
      const server = await startChatServer(tuning, {}, [], main);
      return { ...server, verify: async () => null };
    },
  };
}

export const CHAT_REDIS = redisSystem("d", "(d) this server, Redis", SERVER_MAIN);

/** The earlier build of previousBuild, with Redis. */
export function previousRedisBuild(dir: string): SystemUnderTest {
  return redisSystem("d0", `(d0) this server, Redis, earlier build (${dir})`, builtMain(dir));
}

/** This server (the build whose main.js is `main`) with a Redis of its own. */
function redisSystem(id: SystemId, label: string, main: string): SystemUnderTest {
  return {
    ...CHAT_SQLITE,
    id,
    label,
    recoversConnections: false,
    start: (tuning) => startWithRedis(tuning, main),
  };
}

async function startWithRedis(tuning: ServerTuning, main: string): Promise<RunningSystem> {
  const redisPort = await freePort();
  const redisDir = mkdtempSync(join(tmpdir(), "chat-bench-redis-"));
  const redis = spawnPinned(SERVER_CORE, REDIS_SERVER, [
    "--port",
    String(redisPort),
    "--bind",
    "127.0.0.1",
    "--dir",
    redisDir,
  ]);
  redis.stdout?.resume();
  redis.stderr?.resume();
  await waitForPort(redisPort, redis);
  // Its messages are in Redis: a stored SQLite file would be one it never reads.
  const redisTuning = { ...tuning, storedDb: undefined };
  const server = await startChatServer(
    redisTuning,
    { REDIS_URL: `redis://127.0.0.1:${redisPort}` },
    [redis.pid as number],
    main,
  );
  return {
    ...server,
    async verify() {
      const keys = await redisKeyCount(redisPort);
      return keys > 0 ? null : "the server left Redis empty: its main.js does not use REDIS_URL";
    },
    async stop() {
      await server.stop();
      await stop(redis);
      rmSync(redisDir, { recursive: true, force: true });
    },
  };
}

function builtMain(dir: string): string {
  const main = join(resolve(dir), "main.js");
  if (!existsSync(main)) throw new Error(`no main.js in ${dir}`);
  return main;
}

/** Why (d) cannot run here, or null when it can. */
export async function redisUnavailable(): Promise<string | null> {
  if (!existsSync(REDIS_SERVER)) return `redis-server is not installed (${REDIS_SERVER})`;
  return null;
}

/** DBSIZE over RESP, without a client library. */
function redisKeyCount(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port }, () => socket.write("DBSIZE\r\n"));
    socket.once("data", (reply) => {
      socket.destroy();
      resolve(Number(/^:(\d+)/.exec(reply.toString())?.[1] ?? 0));
    });
    socket.once("error", reject);
  });
}
