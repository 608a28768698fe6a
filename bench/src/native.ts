import { execFileSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";

const native = (file: string) => fileURLToPath(new URL(`../native/${file}`, import.meta.url));
const SOURCES = [native("counter.c"), native("client.c")];
const HEADER = native("counter.h");
const BINARY = fileURLToPath(new URL("./counter", import.meta.url));
const COMPILER = "/usr/bin/cc";

/** Builds the native counting clients from source (installing Debian's gcc when there is no compiler). */
export function buildCounter(): string {
  const newestSource = Math.max(...[...SOURCES, HEADER].map((file) => statSync(file).mtimeMs));
  if (existsSync(BINARY) && statSync(BINARY).mtimeMs > newestSource) return BINARY;
  if (!existsSync(COMPILER)) {
    execFileSync("apt-get", ["update", "-qq"], { stdio: "inherit" });
    execFileSync("apt-get", ["install", "-y", "-qq", "--no-install-recommends", "gcc", "libc6-dev"], {
      stdio: "inherit",
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    });
  }
  execFileSync(COMPILER, ["-O2", "-Wall", "-Wextra", "-o", BINARY, ...SOURCES], { stdio: "inherit" });
  return BINARY;
}
