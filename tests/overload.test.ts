import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ChatMessage, ErrorCode, SERVER_EVENTS, type SendAck } from "@chat/shared";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { MIN_IN_FLIGHT } from "../server/src/limits/load-shedding.js";
import { ChatUser, Refused } from "../server/src/test-support/chat-client.js";
import { freePort } from "../server/src/test-support/ports.js";
import { parsePrometheusText, sampleValue } from "../server/src/test-support/prometheus-text.js";
import { type RunningRedis, startRedis } from "../server/src/test-support/redis-server.js";
import { type ServerProcess, startServerProcess } from "./support/server-process.js";

let redis: RunningRedis;
let server: ServerProcess;
const servers: ServerProcess[] = [];
const users: ChatUser[] = [];

beforeAll(async () => {
  redis = await startRedis();
});

afterEach(async () => {
  for (const user of users.splice(0)) user.close();
  for (const started of servers.splice(0)) await started.kill("SIGKILL");
});

afterAll(async () => {
  await redis?.stop();
});

/** A server process of its own on the test's Redis, with the default overload target. */
async function startServer(env: Record<string, string>): Promise<ServerProcess> {
  server = await startServerProcess({
    PORT: String(await freePort()),
    DATA_DIR: mkdtempSync(join(tmpdir(), "chat-overload-")),
    REDIS_URL: redis.url,
    ...env,
  });
  servers.push(server);
  return server;
}

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
    // No send limit, so that the flood is as hard as the clients can make it.
    await startServer({ MESSAGES_PER_SECOND: "0" });
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

  it("refuses logins beyond those it can finish while Redis stalls, and lets in those it took", async () => {
    // No address limits: every login of the test comes from one address.
    await startServer({ CONNECTIONS_PER_IP: "0", HANDSHAKES_PER_IP_PER_MINUTE: "0" });
    const names = Array.from({ length: MIN_IN_FLIGHT + 100 }, (_, i) => `Storm${i}`);
    let firstRefusal: () => void = () => {};
    const refusedOnce = new Promise<void>((resolve) => {
      firstRefusal = resolve;
    });
    redis.pause();
    let outcomes: (Refused | null)[];
    try {
      const attempts = names.map((name) =>
        ChatUser.login(server.url, name).then(
          (user) => {
            users.push(user);
            return null;
          },
          (error: unknown) => {
            firstRefusal();
            if (error instanceof Refused) return error;
            throw error;
          },
        ),
      );
      // Refused at once, while the logins it took still wait for Redis.
      await refusedOnce;
      redis.resume();
      outcomes = await Promise.all(attempts);
    } finally {
      redis.resume();
    }

    const refused = outcomes.flatMap((outcome, i) =>
      outcome ? [[names[i] as string, outcome] as const] : [],
    );
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.length).toBeLessThan(names.length);
    for (const [, refusal] of refused) {
      expect(refusal.data).toMatchObject({
        code: ErrorCode.RATE_LIMITED,
        message: expect.stringMatching(/busy/),
      });
      expect(refusal.data?.retryAfterMs).toBeGreaterThanOrEqual(1000);
    }
    // Every login it took went through once Redis was back; a refused one gets in when it tries again.
    expect(users).toHaveLength(names.length - refused.length);
    const [again] = refused[0] ?? [];
    users.push(await ChatUser.login(server.url, again as string));
  });
});
