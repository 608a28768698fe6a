import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ChatMessage, ErrorCode, SERVER_EVENTS, type SendAck } from "@chat/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChatUser } from "../server/src/test-support/chat-client.js";
import { freePort } from "../server/src/test-support/ports.js";
import { parsePrometheusText, sampleValue } from "../server/src/test-support/prometheus-text.js";
import { type RunningRedis, startRedis } from "../server/src/test-support/redis-server.js";
import { type ServerProcess, startServerProcess } from "./support/server-process.js";

let redis: RunningRedis;
let server: ServerProcess;
const users: ChatUser[] = [];

beforeAll(async () => {
  redis = await startRedis();
});

afterAll(async () => {
  for (const user of users.splice(0)) user.close();
  await server?.kill("SIGKILL");
  await redis?.stop();
});

/** Messages each flooder sends at once, and the most rounds of them: a bounded flood. */
const WAVE = 100;
const MAX_WAVES = 50;

/**
 * Every flooder sends waves of messages without waiting for their answers, until one is refused or
 * MAX_WAVES have gone, while Redis stalls (as a slow disk or a busy host stalls it): what the server
 * takes waits for Redis, and it finishes nothing meanwhile. Resolves with every answer, once Redis is back.
 */
async function floodWhileStalled(flooders: ChatUser[]): Promise<SendAck[]> {
  const answers: Promise<SendAck>[] = [];
  let refused = false;
  redis.pause();
  try {
    for (let wave = 0; wave < MAX_WAVES && !refused; wave++) {
      for (const user of flooders) {
        for (let i = 0; i < WAVE; i++) {
          const answer = user.send(null, `${user.name} wave ${wave} #${i}`);
          answers.push(answer);
          void answer.then((ack) => {
            if (!ack.ok) refused = true;
          });
        }
      }
      // Lets the sockets write the wave, and the refusals come in.
      await new Promise((resolve) => setImmediate(resolve));
    }
  } finally {
    redis.resume();
  }
  return Promise.all(answers);
}

async function metric(name: string, labels: Record<string, string>): Promise<number> {
  const res = await fetch(`${server.url}/metrics`);
  return sampleValue(parsePrometheusText(await res.text()), name, labels);
}

async function login(name: string): Promise<ChatUser> {
  const user = await ChatUser.login(server.url, name);
  users.push(user);
  return user;
}

describe("a server offered more requests than it can answer in time", () => {
  it("refuses the excess as busy, stores none of it, delivers all it took, and takes requests again", async () => {
    // The default target; no send limit, so that the flood is as hard as the clients can make it.
    server = await startServerProcess({
      PORT: String(await freePort()),
      DATA_DIR: mkdtempSync(join(tmpdir(), "chat-overload-")),
      REDIS_URL: redis.url,
      MESSAGES_PER_SECOND: "0",
    });
    const flooders = [await login("Flood1"), await login("Flood2"), await login("Flood3")];
    const watcher = await login("Watch");
    const seen = new Set<number>();
    watcher.socket.on(SERVER_EVENTS.message, (message: ChatMessage) => seen.add(message.id));

    const answers = await floodWhileStalled(flooders);
    const taken = answers.filter((ack) => ack.ok);
    const refused = answers.filter((ack) => !ack.ok);
    expect(refused.length).toBeGreaterThan(0);
    for (const ack of refused) {
      expect(ack.error).toMatchObject({
        code: ErrorCode.RATE_LIMITED,
        message: expect.stringMatching(/busy/),
      });
      expect(ack.error.retryAfterMs).toBeGreaterThanOrEqual(1000);
      expect(ack.error.retryAfterMs).toBeLessThan(2000);
    }

    // Everything taken reached the other user, and nothing refused was stored or sent.
    const takenIds = taken.map((ack) => ack.message.id);
    await watcher.receivedIds(takenIds);
    expect(seen.size).toBe(taken.length);
    expect(await metric("chat_messages_sent_total", { conversation: "group" })).toBe(taken.length);
    expect(await metric("chat_rate_limited_total", { limit: "busy" })).toBe(refused.length);
    // Told once, not per refusal.
    const overloaded = server.logs.filter((line) => String(line.msg).startsWith("overloaded"));
    expect(overloaded).toHaveLength(1);

    // With every answer in, nothing is left in flight: the next request is taken at once.
    const after = await watcher.send(null, "after the flood");
    expect(after).toMatchObject({ ok: true });
  });
});
