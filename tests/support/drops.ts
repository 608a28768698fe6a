import type { RunningChat } from "../../server/src/test-support/chat-server.js";

/** A small seeded PRNG (mulberry32), so a failing run can be replayed with DROP_SEED. */
export function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/**
 * Fault injection on the server side of a drop: the next `count` reconnections find no recovery state,
 * as when a client was away longer than the recovery window or comes back through another node, so they
 * take the `sync` path. Done by asking the adapter for an offset it no longer has.
 */
export function recoveryOutage(chat: RunningChat): { forget(count: number): void } {
  const adapter = chat.server.io.of("/").adapter;
  const restore = adapter.restoreSession.bind(adapter);
  let forgetting = 0;
  adapter.restoreSession = (pid, offset) => {
    if (forgetting === 0) return restore(pid, offset);
    forgetting--;
    return restore(pid, "aged-out");
  };
  return {
    forget(count) {
      forgetting = count;
    },
  };
}
