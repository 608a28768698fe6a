import { afterEach } from "vitest";
import type { ChatUser } from "../../server/src/test-support/chat-client.js";
import { type RunningChat, startChat } from "../../server/src/test-support/chat-server.js";
import { startTcpRelay, type TcpRelay } from "../../server/src/test-support/tcp-relay.js";

/** A small seeded PRNG (mulberry32), so a failing run can be replayed with DROP_SEED. */
function seeded(seed: number): () => number {
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
function recoveryOutage(chat: RunningChat): { forget(count: number): void } {
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

/** What a drop test works with: a server, the relay its clients go through, and the run's randomness. */
export interface DropScene {
  chat: RunningChat;
  /** Clients connect here; cutting it drops their connections. */
  relay: TcpRelay;
  outage: ReturnType<typeof recoveryOutage>;
  /** The run's seed, which DROP_SEED sets to replay a run, and the PRNG seeded with it. */
  seed: number;
  random: () => number;
  /** Closed after the test. */
  users: ChatUser[];
}

/**
 * For a test file: `start()` in a test opens a scene, closed after that test. Its server has no rate
 * limits: a resending client here is far faster than a person, and these test delivery, not the limits.
 */
export function dropScenes(): { start(): Promise<DropScene> } {
  let scene: DropScene | undefined;
  afterEach(async () => {
    if (!scene) return;
    const { users, relay, chat } = scene;
    scene = undefined;
    for (const user of users.splice(0)) user.close();
    await relay.close();
    await chat.close();
  });
  return {
    async start() {
      const seed = Number(process.env.DROP_SEED ?? Math.floor(Math.random() * 2 ** 31));
      const chat = await startChat({
        limits: { messagesPerSecond: 0, readsPerSecond: 0, handshakesPerIpPerMinute: 0, connectionsPerIp: 0 },
      });
      const relay = await startTcpRelay(chat.port).catch(async (error: unknown) => {
        await chat.close();
        throw error;
      });
      scene = { chat, relay, outage: recoveryOutage(chat), seed, random: seeded(seed), users: [] };
      return scene;
    },
  };
}
