import { type ConnectErrorData, ErrorCode } from "@chat/shared";
import { afterEach, describe, expect, it } from "vitest";
import { pause } from "../client/src/connection/retry.js";
import type { ChatSocket } from "../client/src/connection/socket.js";
import { useSession } from "../client/src/stores/session.js";
import { type LimiterBackend, memoryLimiters } from "../server/src/limits/limiter-backend.js";
import { ChatUser, type Refused } from "../server/src/test-support/chat-client.js";
import { type RunningChat, startChat } from "../server/src/test-support/chat-server.js";
import { startTcpRelay, type TcpRelay } from "../server/src/test-support/tcp-relay.js";
import { recordHandshakes } from "./support/handshakes.js";
import { startWebClient, type WebClient } from "./support/web-client.js";

let chat: RunningChat | undefined;
let relay: TcpRelay | undefined;
let client: WebClient | undefined;

afterEach(async () => {
  for (const socket of client?.sockets ?? []) socket.disconnect();
  await relay?.close();
  await chat?.close();
  chat = relay = client = undefined;
});

/** The web client's login as Ann, with a token of its own. */
const ANNS_LOGIN = { name: "Ann", newToken: expect.stringMatching(/^[\w-]{43}$/) };

/** How long a window of the handshake limit lasts here (a minute in production): the longest wait asked. */
const WINDOW_S = 0.5;

/**
 * The server's own handshake limiter, counting per address as it does in production, with a budget the
 * test sets. Closed, it refuses every handshake with RATE_LIMITED and the rest of the address's window as
 * retryAfterMs, however long the handshake took to arrive; open, one handshake per window gets in, so a
 * retry before the wait was over would be refused again.
 */
interface HandshakeGate {
  close(): void;
  open(): void;
}

/** The test's server (closed after it), and its handshake gate, open. */
async function startGatedChat(): Promise<{ server: RunningChat; gate: HandshakeGate }> {
  let limiter: ReturnType<LimiterBackend> | undefined;
  const server = await startChat({
    limits: { handshakesPerIpPerMinute: 1 },
    limiterBackend: (spec) => {
      if (spec.name !== "handshakes") return memoryLimiters(spec);
      limiter = memoryLimiters({ ...spec, durationS: WINDOW_S });
      return limiter;
    },
  });
  chat = server;
  const handshakes = limiter as ReturnType<LimiterBackend>;
  const gate = {
    close: () => {
      handshakes.points = 0;
    },
    open: () => {
      handshakes.points = 1;
    },
  };
  return { server, gate };
}

type Refusal = Error & { data?: ConnectErrorData };

/** The next refusal of `socket`, once ChatConnection's own listener (registered first) has dealt with it. */
function nextRefusal(socket: ChatSocket): Promise<Refusal> {
  return new Promise((resolve) => socket.once("connect_error", resolve));
}

/**
 * Ann, signed in through a relay, loses her connection, and her reconnect is refused. socket.io does not
 * retry a refusal: ChatConnection now waits as told and tries again itself. Resolves in the same turn of
 * the event loop as the refusal, with that retry still pending and the gate still closed.
 */
async function refusedReconnect() {
  const { server, gate } = await startGatedChat();
  relay = await startTcpRelay(server.port);
  const handshakes = recordHandshakes(server);
  client = startWebClient(relay.url);
  const session = useSession();
  await client.connection.login("Ann");
  await expect.poll(() => session.token, { timeout: 10_000 }).not.toBeNull();
  const { token } = session;
  gate.close();
  const refused = nextRefusal(client.tab);
  relay.cutAll();
  const refusal = await refused;
  expect(refusal.message).toBe(ErrorCode.RATE_LIMITED);
  expect(refusal.data?.retryAfterMs).toBeGreaterThan(0);
  expect(session.status).toBe("reconnecting");
  return { gate, handshakes, session, token, retryAfterMs: refusal.data?.retryAfterMs ?? 0 };
}

describe("the web client refused for a moment", () => {
  it("logs in by itself once the wait the server named is over, having said why it waits", async () => {
    const { server, gate } = await startGatedChat();
    const handshakes = recordHandshakes(server);
    client = startWebClient(server.url);
    const session = useSession();
    gate.close();
    const refused = nextRefusal(client.tab);
    await client.connection.login("Ann");
    const refusal = await refused;
    gate.open();
    expect(refusal.message).toBe(ErrorCode.RATE_LIMITED);
    expect(refusal.data?.retryAfterMs).toBeGreaterThan(0);
    expect(session.status).toBe("joining");
    expect(session.notice).toMatch(/Too many connection attempts/);

    await expect.poll(() => session.status, { timeout: 10_000 }).toBe("connected");
    expect(session.name).toBe("Ann");
    // One retry, not before the wait was over (an earlier one would have been refused again), and the same
    // login, with the same token.
    expect(handshakes).toEqual([ANNS_LOGIN, handshakes[0]]);
  });

  it("resumes its session by itself after a reconnect was refused", async () => {
    const { gate, handshakes, session, token } = await refusedReconnect();
    gate.open();
    await expect.poll(() => session.status, { timeout: 10_000 }).toBe("connected");
    expect(session.token).toBe(token);
    const resume = expect.objectContaining({ token });
    expect(handshakes).toEqual([ANNS_LOGIN, resume, resume]);
  });

  // Only a signed-in tab has a logout button: a login still joining has nothing to log out of.
  it("never offers the session again once the user logged out while it waited, and ends it once let in", async () => {
    const { gate, handshakes, session, token, retryAfterMs } = await refusedReconnect();
    // Set after the client's retry timer, with the same delay: Node runs it just after that one.
    const retryDue = pause(retryAfterMs);
    const { connection, sockets } = client as WebClient;
    connection.logout();
    // The server is told on a connection of its own, whose handshake is refused too (the gate is still
    // closed, and says for how long).
    await nextRefusal(sockets[1] as ChatSocket);

    await retryDue;
    // A retry of the tab's that had gone ahead would be connecting now, its handshake on the way.
    expect(client?.tab.active).toBe(false);
    expect(session.status).toBe("signed-out");
    expect(session.token).toBeNull();

    // The logout goes again once the wait is over, and gets in: the session ends, so the token can no
    // longer resume it (without that retry it would, for the whole grace window).
    gate.open();
    const logout = { token, logout: true };
    await expect.poll(() => handshakes.length, { timeout: 10_000 }).toBe(4);
    expect(handshakes).toEqual([ANNS_LOGIN, expect.objectContaining({ token }), logout, logout]);
    const resumed = () =>
      ChatUser.connect(chat?.url ?? "", { token }).then(
        (user) => {
          user.close();
          return "resumed";
        },
        (refused: Refused) => refused.data?.code,
      );
    await expect.poll(resumed, { timeout: 10_000 }).toBe(ErrorCode.SESSION_EXPIRED);
  });
});
