import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";

let updated = false;

/**
 * Makes sure a Debian package's program is installed, installing it with apt-get when it is missing
 * (CI machines start without chromium, redis-server or nginx; the tests run as root).
 */
export function ensureDebianPackage(program: string, pkg: string): string {
  if (existsSync(program)) return program;
  if (!updated) {
    execFileSync("apt-get", ["update", "-qq"], { stdio: "inherit" });
    updated = true;
  }
  execFileSync("apt-get", ["install", "-y", "-qq", "--no-install-recommends", pkg], {
    stdio: "inherit",
    // RUNLEVEL=1 keeps the package scripts from starting a system-wide service (nginx, redis) we did not ask for.
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive", RUNLEVEL: "1" },
  });
  if (!existsSync(program)) throw new Error(`${pkg} installed, but ${program} is still missing`);
  return program;
}
