import { CLIENT_EVENTS, ErrorCode, type ProtocolError, type Result } from "@chat/shared";
import { describe, expect, it } from "vitest";
import type { ChatUser } from "../server/src/test-support/chat-client.js";
import { chatPerTest } from "../server/src/test-support/chat-per-test.js";
import { numbersIn, tableRow } from "./support/protocol-document.js";

/*
 * The rate limits of section 9 of docs/PROTOCOL.md, at the defaults it gives: what a client may count on
 * sending at once, and how a refusal reads.
 */
const { users } = chatPerTest();

type Answer = Result<object>;

/** "5 per second, plus 30 per 10 s": what the table says may be sent at once, 35. */
function atOnce(limit: string): number {
  const [perSecond = 0, burst = 0] = numbersIn(tableRow(limit)[1] ?? "");
  return perSecond + burst;
}

/** One kind of request, as the limits table names it, and a well-formed and a malformed one of it. */
interface Limited {
  /** What the table promises at once: the rate per second plus the burst per 10 s. */
  atOnce: number;
  valid(user: ChatUser, i: number): Promise<Answer>;
  malformed(user: ChatUser): Promise<Answer>;
}

const raw = (user: ChatUser) =>
  user.socket.timeout(10_000) as unknown as { emitWithAck(event: string, payload: unknown): Promise<Answer> };

const LIMITED: [string, Limited][] = [
  [
    CLIENT_EVENTS.send,
    {
      atOnce: atOnce(`${CLIENT_EVENTS.send} per identity`),
      valid: (user, i) => user.send(null, `burst ${i}`),
      malformed: (user) => raw(user).emitWithAck(CLIENT_EVENTS.send, { to: null }),
    },
  ],
  [
    `${CLIENT_EVENTS.history} and ${CLIENT_EVENTS.sync}`,
    {
      atOnce: atOnce(`${CLIENT_EVENTS.history} and ${CLIENT_EVENTS.sync} per identity`),
      // One at a time, as an identity's reads run: more than 8 waiting are refused at once.
      valid: (user, i) => (i % 2 ? user.sync(null) : user.history(null)),
      malformed: (user) => raw(user).emitWithAck(CLIENT_EVENTS.history, {}),
    },
  ],
  [
    CLIENT_EVENTS.typing,
    {
      atOnce: atOnce(`${CLIENT_EVENTS.typing} per identity`),
      valid: (user) => user.typing("Peer"),
      malformed: (user) => raw(user).emitWithAck(CLIENT_EVENTS.typing, { to: null }),
    },
  ],
];

/** Requests until the first refusal: how many were served, and the refusal. */
async function untilRefused(
  user: ChatUser,
  limited: Limited,
): Promise<{ served: number; refusal: ProtocolError; ms: number }> {
  const started = performance.now();
  for (let served = 0; served < 10 * limited.atOnce; served++) {
    const answer = await limited.valid(user, served);
    if (!answer.ok) return { served, refusal: answer.error, ms: performance.now() - started };
  }
  throw new Error("never refused");
}

describe("the rate limits of section 9", () => {
  it.each(LIMITED)(
    "let %s through the rate plus the burst at once, then refuse even a malformed one with RATE_LIMITED",
    async (_, limited) => {
      const [ann] = [await users.login("Ann"), await users.login("Peer")];
      const { served, refusal, ms } = await untilRefused(ann, limited);
      // Fixed windows: a second window of the rate may open while a slow machine sends the burst.
      expect(served).toBeGreaterThanOrEqual(limited.atOnce);
      if (ms < 1000) expect(served).toBe(limited.atOnce);
      expect(refusal).toEqual({
        code: ErrorCode.RATE_LIMITED,
        message: expect.any(String),
        retryAfterMs: expect.any(Number),
      });
      expect(refusal.retryAfterMs).toBeGreaterThan(0);
      expect(refusal.retryAfterMs).toBeLessThanOrEqual(10_000);
      // The limit is spent before the payload is read, and counts every tab of the identity.
      expect(await limited.malformed(ann)).toMatchObject({
        ok: false,
        error: { code: ErrorCode.RATE_LIMITED },
      });
      const tab = await users.tab(ann);
      expect(await limited.valid(tab, 0)).toMatchObject({
        ok: false,
        error: { code: ErrorCode.RATE_LIMITED },
      });
    },
  );
});
