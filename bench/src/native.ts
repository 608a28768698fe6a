import { execFileSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";

const SOURCE = fileURLToPath(new URL("../native/counter.c", import.meta.url));
const BINARY = fileURLToPath(new URL("./counter", import.meta.url));
const COMPILER = "/usr/bin/cc";

/** Builds the native counting clients from source (installing Debian's gcc when there is no compiler). */
export function buildCounter(): string {
  if (existsSync(BINARY) && statSync(BINARY).mtimeMs > statSync(SOURCE).mtimeMs) return BINARY;
  if (!existsSync(COMPILER)) {
    execFileSync("apt-get", ["update", "-qq"], { stdio: "inherit" });
    execFileSync("apt-get", ["install", "-y", "-qq", "--no-install-recommends", "gcc", "libc6-dev"], {
      stdio: "inherit",
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    });
  }
  execFileSync(COMPILER, ["-O2", "-Wall", "-Wextra", "-o", BINARY, SOURCE], { stdio: "inherit" });
  return BINARY;
}
