import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ensureDebianPackage } from "../../server/src/test-support/debian.js";
import { freePort } from "../../server/src/test-support/ports.js";

const SHIPPED_CONFIG = fileURLToPath(new URL("../../deploy/nginx.conf", import.meta.url));

export interface Nginx {
  port: number;
  /** http://127.0.0.1:<port> */
  origin: string;
  stop(): Promise<void>;
}

/**
 * Runs the nginx config we ship, changed only in its addresses: it listens on a free loopback port and
 * proxies to the given nodes (n1, n2) instead of 127.0.0.1:3001 and :3002.
 */
export async function startNginx(nodePorts: { n1: number; n2: number }): Promise<Nginx> {
  const nginx = ensureDebianPackage("/usr/sbin/nginx", "nginx");
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "chat-nginx-"));
  const config = readFileSync(SHIPPED_CONFIG, "utf8")
    .replace("listen 8080;", `listen 127.0.0.1:${port};\n    access_log off;`)
    .replaceAll("127.0.0.1:3001", `127.0.0.1:${nodePorts.n1}`)
    .replaceAll("127.0.0.1:3002", `127.0.0.1:${nodePorts.n2}`)
    .replace("worker_processes auto;", "worker_processes 1;");
  writeFileSync(join(dir, "nginx.conf"), config);
  // Where the config's logs go under its prefix, as the README's start command makes it.
  mkdirSync(join(dir, "logs"));
  const child: ChildProcess = spawn(
    nginx,
    [
      "-p",
      dir,
      "-c",
      join(dir, "nginx.conf"),
      "-e",
      join(dir, "error.log"),
      "-g",
      `daemon off; pid ${join(dir, "nginx.pid")};`,
    ],
    { stdio: ["ignore", "inherit", "inherit"] },
  );
  const exited = once(child, "exit");
  const origin = `http://127.0.0.1:${port}`;
  await waitUntilServing(`${origin}/chat/healthz`, child);
  return {
    port,
    origin,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) process.kill(child.pid as number, "SIGTERM");
      await exited;
    },
  };
}

/** Polls until nginx answers through to a node (bounded: about 10 s). */
async function waitUntilServing(url: string, child: ChildProcess): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}`);
    const ok = await fetch(url).then(
      (res) => res.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`nginx did not serve ${url}`);
}
