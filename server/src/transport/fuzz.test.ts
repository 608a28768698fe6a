import { CLIENT_EVENTS, ErrorCode, type Result } from "@chat/shared";
import type { Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChatUser, Refused, sent } from "../test-support/chat-client.js";
import { type RunningChat, startChat } from "../test-support/chat-server.js";
import { Malformed, RAW_PACKETS, UNKNOWN_EVENTS } from "../test-support/malformed.js";

const CASES = 10_000;
const HANDSHAKES = 300;
const LANES = 4;
const PROBE_EVERY = 20;
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000);
const ACKED_EVENTS = [
  CLIENT_EVENTS.send,
  CLIENT_EVENTS.history,
  CLIENT_EVENTS.sync,
  CLIENT_EVENTS.typing,
] as const;
const CODES = new Set<string>(Object.values(ErrorCode));

/** The server cut the connection (oversized packet, broken packet, logout): a fair answer to abuse. */
const CUT = Symbol("cut");
/** Connected, but no answer in time: the one outcome that is never fair for an acknowledged event. */
const SILENT = Symbol("silent");

let chat: RunningChat;

beforeAll(async () => {
  // No rate limits here: every payload must reach the validation it is aimed at (limits have their own tests).
  chat = await startChat({
    limits: {
      messagesPerSecond: 0,
      readsPerSecond: 0,
      typingPerSecond: 0,
      connectionsPerIp: 0,
      handshakesPerIpPerMinute: 0,
    },
  });
});

afterAll(async () => {
  await chat.close();
});

function isResult(answer: unknown): answer is Result<object> {
  if (typeof answer !== "object" || answer === null || !("ok" in answer)) return false;
  if (answer.ok === true) return true;
  const { error } = answer as { error?: { code?: unknown; message?: unknown } };
  return answer.ok === false && CODES.has(String(error?.code)) && typeof error?.message === "string";
}

/** Emits with an ack and resolves with the answer, or CUT / SILENT. */
function answerTo(socket: Socket, event: string, args: unknown[]): Promise<unknown> {
  return new Promise((resolve) => {
    const done = (outcome: unknown) => {
      clearTimeout(timer);
      socket.off("disconnect", onCut);
      resolve(outcome);
    };
    const onCut = () => done(CUT);
    const timer = setTimeout(() => done(SILENT), 5_000);
    socket.once("disconnect", onCut);
    socket.emit(event, ...args, done);
  });
}

/** One fuzzing client; logs in again (new name) whenever the server has cut it off. */
class Lane {
  private user: ChatUser | null = null;
  logins = 0;

  constructor(private readonly id: number) {}

  async socket(): Promise<Socket> {
    if (!this.user?.socket.connected) {
      this.user?.close();
      this.user = await ChatUser.login(chat.url, `fuzz${this.id}-${++this.logins}`);
    }
    return this.user.socket as unknown as Socket;
  }

  restart(): void {
    this.user?.close();
    this.user = null;
  }
}

interface Tally {
  tried: Record<string, number>;
  answers: Record<string, number>;
  cut: number;
  /** Sends whose connection closed before the ack (after the lane's own logout): stored or not, unknown. */
  cutSends: number;
  wrong: string[];
  acceptedGroupIds: Set<number>;
}

async function fuzzLane(lane: Lane, input: Malformed, cases: number, tally: Tally): Promise<void> {
  for (let i = 0; i < cases; i++) {
    const socket = await lane.socket();
    const roll = input.next();
    if (roll < 0.03) {
      tally.tried.raw = (tally.tried.raw ?? 0) + 1;
      socket.io.engine.write(input.pick(RAW_PACKETS));
      // A raw packet can leave this client's view (ack ids, namespace) out of step with the server's;
      // the lane starts afresh, and the server shows it survived by answering everyone after.
      lane.restart();
    } else {
      const event =
        roll < 0.035
          ? CLIENT_EVENTS.logout
          : roll < 0.11
            ? input.pick(UNKNOWN_EVENTS)
            : input.pick(ACKED_EVENTS);
      const shape = input.int(10);
      const args =
        shape === 0
          ? []
          : shape === 1
            ? [input.value(), input.value(), input.value()]
            : [input.int(100) === 0 ? input.oversized() : input.value()];
      const withAck = input.int(8) !== 0;
      const known = (ACKED_EVENTS as readonly string[]).includes(event);
      tally.tried[known || event === CLIENT_EVENTS.logout ? event : "unknown"] =
        (tally.tried[known || event === CLIENT_EVENTS.logout ? event : "unknown"] ?? 0) + 1;
      if (withAck && known) await check(socket, event, args, tally);
      else socket.emit(event, ...args);
    }
    // Probing often keeps the lane in step with the server and shows it still answers this client.
    if (i % PROBE_EVERY === PROBE_EVERY - 1)
      await check(await lane.socket(), CLIENT_EVENTS.sync, [{ after: 2 ** 40 }], tally);
  }
}

async function check(socket: Socket, event: string, args: unknown[], tally: Tally): Promise<void> {
  const answer = await answerTo(socket, event, args);
  if (answer === CUT) {
    tally.cut++;
    if (event === CLIENT_EVENTS.send) tally.cutSends++;
    return;
  }
  if (!isResult(answer)) {
    tally.wrong.push(`${event} ${String(answer === SILENT ? "no answer" : JSON.stringify(answer))}`);
    return;
  }
  const key = answer.ok ? "ok" : answer.error.code;
  tally.answers[key] = (tally.answers[key] ?? 0) + 1;
  const message = (answer as { message?: { id: number; to: string | null } }).message;
  if (event === CLIENT_EVENTS.send && message?.to === null) tally.acceptedGroupIds.add(message.id);
}

/** Handshakes with hostile `auth`: each is a login, a clear refusal, or a cut connection. */
async function fuzzHandshakes(input: Malformed, count: number): Promise<Record<string, number>> {
  const outcomes: Record<string, number> = {};
  for (let i = 0; i < count; i++) {
    const value = input.value();
    const auth = input.pick([
      { name: value },
      { token: value },
      { name: value, token: value },
      { name: "Fuzz", newToken: value },
      { name: value, newToken: value },
      { auth: value },
    ]);
    const outcome = await ChatUser.connect(chat.url, auth).then(
      (user) => {
        user.close();
        return "connected";
      },
      (err: unknown) => (err instanceof Refused ? err.code : "cut"),
    );
    outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
  }
  return outcomes;
}

async function heapAfterGc(): Promise<number> {
  const gc = globalThis.gc;
  if (!gc) throw new Error("run with --expose-gc (vitest.config.ts sets it for the server project)");
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return process.memoryUsage().heapUsed;
}

describe("malformed input from real clients", () => {
  it(`leaves the server up, answering and storing nothing it refused, with memory back near its start`, async () => {
    const warmup = await ChatUser.login(chat.url, "warmup");
    await warmup.sync(null);
    warmup.close();
    const heapBefore = await heapAfterGc();

    const input = new Malformed(SEED);
    const tally: Tally = {
      tried: {},
      answers: {},
      cut: 0,
      cutSends: 0,
      wrong: [],
      acceptedGroupIds: new Set(),
    };
    const lanes = Array.from({ length: LANES }, (_, id) => new Lane(id));
    const started = performance.now();
    await Promise.all(lanes.map((lane) => fuzzLane(lane, input, CASES / LANES, tally)));
    const handshakes = await fuzzHandshakes(input, HANDSHAKES);
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const tried = Object.values(tally.tried).reduce((sum, n) => sum + n, 0);
    console.log(
      `fuzz (seed ${SEED}): ${tried} malformed payloads in ${seconds} s ${JSON.stringify(tally.tried)}; ` +
        `answers ${JSON.stringify(tally.answers)}; ${tally.cut} connections cut; ` +
        `${lanes.reduce((n, lane) => n + lane.logins, 0)} logins; handshakes ${JSON.stringify(handshakes)}`,
    );
    expect(tried).toBeGreaterThanOrEqual(CASES);
    expect(tally.wrong).toEqual([]);

    // Afterwards a newcomer is served normally, and the chat holds every send that was accepted and
    // nothing refused: beyond the accepted ones, at most the sends whose answer a closing connection cut off.
    const ann = await ChatUser.login(chat.url, "Ann");
    const bob = await ChatUser.login(chat.url, "Bob");
    const hello = sent(await ann.send(null, "still here?"));
    await bob.receivedIds([hello.id]);
    const stored = await bob.sync(null);
    const storedGroupIds = new Set(
      stored.ok ? stored.messages.filter((m) => m.to === null).map((m) => m.id) : [],
    );
    const accepted = [...tally.acceptedGroupIds, hello.id];
    expect(accepted.filter((id) => !storedGroupIds.has(id))).toEqual([]);
    expect(storedGroupIds.size - accepted.length).toBeLessThanOrEqual(tally.cutSends);

    for (const lane of lanes) lane.restart();
    ann.close();
    bob.close();
    await chat.transportsClosed();
    const grownMb = ((await heapAfterGc()) - heapBefore) / 2 ** 20;
    console.log(`fuzz: heap grew by ${grownMb.toFixed(1)} MB`);
    expect(grownMb).toBeLessThan(50);
  }, 180_000);
});
