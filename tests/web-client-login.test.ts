import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { CLIENT_EVENTS, ErrorCode, SERVER_EVENTS } from "@chat/shared";
import { Server } from "socket.io";
import { afterEach, describe, expect, it } from "vitest";
import { type ConnectionStatus, useSession } from "../client/src/stores/session.js";
import { ChatUser } from "../server/src/test-support/chat-client.js";
import {
  loseNextAnswer,
  type RunningChat,
  startChat,
  unreachableWhile,
} from "../server/src/test-support/chat-server.js";
import { startWebClient, type WebClient } from "./support/web-client.js";

let chat: RunningChat | undefined;
let client: WebClient | undefined;
const users: ChatUser[] = [];

/** Every status the web client's session takes from now on, each change once. */
function statusesFrom(session: ReturnType<typeof useSession>): ConnectionStatus[] {
  const seen: ConnectionStatus[] = [session.status];
  session.$subscribe(
    () => {
      if (seen.at(-1) !== session.status) seen.push(session.status);
    },
    { flush: "sync" },
  );
  return seen;
}

/**
 * Ann's login whose first answer is lost (`then` runs as it is), watched by Bob: resolves with the identity
 * that joined, and the statuses the web client's session takes from before the login on.
 */
async function loginLosingTheAnswer(
  then?: () => void,
): Promise<{ joined: { id: string }; statuses: ConnectionStatus[] }> {
  const server = await startChat();
  chat = server;
  const bob = await ChatUser.login(server.url, "Bob");
  users.push(bob);
  client = startWebClient(server.url);
  const statuses = statusesFrom(useSession());
  loseNextAnswer(server, then);
  await client.connection.login("Ann");
  return { joined: await bob.next(SERVER_EVENTS.joined, (u) => u.name === "Ann"), statuses };
}

/**
 * loginLosingTheAnswer, the server then out of reach until the web client gives up on the login (signed
 * out), and reachable again: resolves with the identity that first try made.
 */
async function loginCutOff(): Promise<{ id: string }> {
  let down = true;
  const { joined } = await loginLosingTheAnswer(() => chat && unreachableWhile(chat, () => down));
  await expect.poll(() => useSession().status, { timeout: 10_000 }).toBe("signed-out");
  down = false;
  return joined;
}

afterEach(async () => {
  for (const socket of client?.sockets ?? []) socket.disconnect();
  for (const user of users.splice(0)) user.close();
  await chat?.close();
  chat = client = undefined;
});

describe("the web client's login", () => {
  it("ends as the identity it made when its connection drops before the server's answer, joining until then", async () => {
    // The server logs the first attempt in, but its answer is lost with the connection.
    const { joined, statuses } = await loginLosingTheAnswer();
    const session = useSession();

    await expect.poll(() => session.status, { timeout: 10_000 }).toBe("connected");
    expect(session.name).toBe("Ann");
    expect(session.id).toBe(joined.id);
    expect(session.notice).toBeNull();
    // The login view said "Joining…" throughout, its button disabled: never a reconnect of no session.
    expect(statuses).toEqual(["signed-out", "joining", "connected"]);
    // One identity for the others too: the one that joined, never a second one.
    const [bob] = users;
    expect(bob?.events.filter((e) => e.event === SERVER_EVENTS.joined)).toHaveLength(1);
  });

  it("gives up, saying the server cannot be reached, when every try's connection closes before the answer", async () => {
    const server = await startChat();
    chat = server;
    // A proxy that cuts every handshake, say: no answer, and no refusal either.
    server.server.io.use((socket) => void socket.conn.close(true));
    client = startWebClient(server.url);
    await client.connection.login("Ann");
    const session = useSession();

    await expect.poll(() => session.status, { timeout: 10_000 }).toBe("signed-out");
    expect(session.notice).toMatch(/Cannot reach the server/);
    expect(client.tab.active).toBe(false);
  });

  it("takes a refusal of the retry as the login's: says why and stops trying", async () => {
    // Whatever the server refuses the retry with, as it refuses: NAME_TAKEN stands for any.
    const refusal = { code: ErrorCode.NAME_TAKEN, message: "The name is taken." };
    await loginLosingTheAnswer(() =>
      chat?.server.io.use((_, next) => next(Object.assign(new Error(refusal.code), { data: refusal }))),
    );
    const session = useSession();

    await expect.poll(() => session.status, { timeout: 10_000 }).toBe("signed-out");
    expect(session.notice).toBe(refusal.message);
    expect(client?.tab.active).toBe(false);
  });

  it("resumes the identity its first try made when tried again under the same name, the server unreachable meanwhile", async () => {
    const joined = await loginCutOff();
    const session = useSession();
    expect(session.notice).toMatch(/Cannot reach the server/);

    await client?.connection.login("Ann");
    await expect.poll(() => session.status, { timeout: 10_000 }).toBe("connected");
    expect(session.id).toBe(joined.id);
  });

  it("resumes that identity too when the name is typed again in other letters the server takes as the same", async () => {
    const joined = await loginCutOff();
    const session = useSession();

    await client?.connection.login("ANN");
    await expect.poll(() => session.status, { timeout: 10_000 }).toBe("connected");
    expect(session.id).toBe(joined.id);
    expect(session.name).toBe("Ann");
  });

  it("logs in anew when the identity its first try made ended before the user tried again", async () => {
    const joined = await loginCutOff();
    const session = useSession();
    // That identity ends meanwhile (a logout stands for any end): its token can never come back.
    const kept = session.pendingLogin;
    if (!kept) throw new Error("the login's token is kept for the user's next try");
    const [bob] = users;
    const ended = await ChatUser.connect(chat?.url ?? "", { token: kept.newToken });
    users.push(ended);
    ended.socket.emit(CLIENT_EVENTS.logout);
    await bob?.next(SERVER_EVENTS.left, (u) => u.id === joined.id);

    await client?.connection.login("Ann");
    await expect.poll(() => session.status, { timeout: 10_000 }).toBe("connected");
    expect(session.name).toBe("Ann");
    expect(session.id).not.toBe(joined.id);
    expect(session.notice).toBeNull();
  });

  it("frees the name at once when the tab closes in the same moment as Log out", async () => {
    const server = await startChat();
    chat = server;
    const bob = await ChatUser.login(server.url, "Bob");
    users.push(bob);
    client = startWebClient(server.url);
    const annJoined = bob.next(SERVER_EVENTS.joined, (u) => u.name === "Ann");
    await client.connection.login("Ann");
    const ann = await annJoined;

    client.connection.logout();
    // The tab goes with every socket it opened, the logout's own before its handshake.
    for (const socket of client.sockets) socket.disconnect();

    // Not held for the grace window (a minute): announced gone, and the name free for the next login.
    await bob.next(SERVER_EVENTS.left, (u) => u.id === ann.id);
    const next = await ChatUser.login(server.url, "Ann");
    users.push(next);
    expect(next.session?.id).not.toBe(ann.id);
  });

  it("tries a fresh token once, not over and over, when a login it goes on with is refused as ended", async () => {
    // A server (or a proxy) that answers every login that its session ended.
    const http = createServer();
    const io = new Server(http);
    let handshakes = 0;
    const refusal = { code: ErrorCode.SESSION_EXPIRED, message: "Your session ended." };
    io.use((_, next) => {
      handshakes++;
      next(Object.assign(new Error(refusal.code), { data: refusal }));
    });
    http.listen(0, "127.0.0.1");
    await once(http, "listening");
    const { port } = http.address() as AddressInfo;
    try {
      client = startWebClient(`http://127.0.0.1:${port}`);
      // A reload during a login goes on with its token, which ended meanwhile.
      client.connection.continueLogin({ name: "Ann", newToken: "a".repeat(43) });
      const session = useSession();

      await expect.poll(() => session.status, { timeout: 10_000 }).toBe("signed-out");
      expect(session.notice).toBe(refusal.message);
      expect(handshakes).toBe(2);
    } finally {
      await io.close();
    }
  });
});

describe("the web client's logout made offline", () => {
  it("goes on until the server says the session ended, past a refusal for too many connections", async () => {
    const server = await startChat({ limits: { connectionsPerIp: 3 } });
    chat = server;
    const bob = await ChatUser.login(server.url, "Bob");
    users.push(bob);
    client = startWebClient(server.url);
    const annJoined = bob.next(SERVER_EVENTS.joined, (u) => u.name === "Ann");
    await client.connection.login("Ann");
    const ann = await annJoined;

    // Offline: the server refuses every request but those of two other users on the same address, who
    // fill it up to its limit once Ann's tab has lost its connection.
    let offline = true;
    unreachableWhile(server, (request) => offline && !request.url?.includes("hog=1"));
    const tabLost = new Promise((resolve) => client?.tab.once("disconnect", resolve));
    client.tab.io.engine.close();
    await tabLost;
    for (const name of ["Hog1", "Hog2"]) {
      users.push(await ChatUser.login(server.url, name, { query: { hog: "1" } }));
    }

    client.connection.logout();
    const courier = client.sockets.at(-1) as (typeof client.sockets)[number];
    const refusals: string[] = [];
    courier.on("connect_error", (err: Error & { data?: { code: string } }) => {
      if (err.data) refusals.push(err.data.code);
    });
    offline = false;
    await expect.poll(() => refusals, { timeout: 10_000 }).toContain(ErrorCode.RATE_LIMITED);
    // A connection of the address closes: the logout's next try gets through.
    users.at(-1)?.close();
    await bob.next(SERVER_EVENTS.left, (u) => u.id === ann.id, 10_000);
    await expect.poll(() => refusals.at(-1)).toBe(ErrorCode.SESSION_EXPIRED);
  });
});
