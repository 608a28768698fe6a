import { setTimeout as sleep } from "node:timers/promises";

/**
 * Checks again and again, a bounded number of times, until `check` holds: for state that changes on a
 * clock of its own (a lease expiring), which no event announces.
 */
export async function eventually(
  check: () => Promise<boolean>,
  { tries = 400, intervalMs = 25 }: { tries?: number; intervalMs?: number } = {},
): Promise<void> {
  for (let attempt = 0; attempt < tries; attempt++) {
    if (await check()) return;
    await sleep(intervalMs);
  }
  throw new Error(`still not so after ${tries} checks`);
}
