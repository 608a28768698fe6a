import { once } from "node:events";
import { connect } from "node:net";
import { ErrorCode } from "@chat/shared";
import { afterEach, describe, expect, it } from "vitest";
import { ChatUser } from "../test-support/chat-client.js";
import { type RunningChat, startChat } from "../test-support/chat-server.js";
import { TestUsers } from "../test-support/test-users.js";

let chat: RunningChat;
const users = new TestUsers(() => chat.url);

/** Clients from a second loopback address: "another IP" for per-address limits. */
const OTHER_ADDRESS = { localAddress: "127.0.0.2" };

/** Closes a client and resolves once the server has seen its transport close. */
async function closeAndWait(user: ChatUser): Promise<void> {
  const onServer = chat.server.io.of("/").sockets.get(user.socket.id ?? "");
  if (!onServer) throw new Error(`${user.name} has no socket on the server`);
  const closed = once(onServer.conn, "close");
  user.close();
  await closed;
}

/** A bare engine.io long-polling handshake: opens a transport that never joins the chat. */
function rawTransport(query = ""): Promise<Response> {
  return fetch(`${chat.url}/socket.io/?EIO=4&transport=polling${query}`);
}

afterEach(async () => {
  users.closeAll();
  await chat.close();
});

describe("connections from one address", () => {
  it("are refused beyond the limit with RATE_LIMITED, while other addresses still connect", async () => {
    chat = await startChat({ limits: { connectionsPerIp: 5, handshakesPerIpPerMinute: 0 } });
    const first = await Promise.all(Array.from({ length: 5 }, (_, i) => users.login(`user${i}`)));
    const refused = await users.refusal(ChatUser.login(chat.url, "one too many"));
    expect(refused.code).toBe(ErrorCode.RATE_LIMITED);
    expect(refused.data?.message).toMatch(/Too many connections/);
    // The refusal comes before the login: the name was never taken.
    const other = await users.login("one too many", OTHER_ADDRESS);
    expect(other.name).toBe("one too many");

    await closeAndWait(first[0] as ChatUser);
    expect((await users.login("fits again")).name).toBe("fits again");
  });

  it("that keeps opening raw transports past twice the limit gets HTTP 403 before any connection exists", async () => {
    chat = await startChat({ limits: { connectionsPerIp: 3, handshakesPerIpPerMinute: 0 } });
    for (let i = 0; i < 6; i++) expect((await rawTransport()).status).toBe(200);
    const turnedAway = await rawTransport();
    expect(turnedAway.status).toBe(403);
    expect(await turnedAway.text()).toContain(ErrorCode.RATE_LIMITED);
    // Engine.IO takes an empty session id for none: a handshake all the same.
    for (const emptySid of ["&sid=", "&sid", "&%73id="])
      expect((await rawTransport(emptySid)).status).toBe(403);
    expect((await users.login("elsewhere", OTHER_ADDRESS)).name).toBe("elsewhere");
  });
});

describe("connections through a trusted proxy", () => {
  const from = (address: string) => ({ extraHeaders: { "x-forwarded-for": address } });

  it("count an IPv6 client by its /64, and an IPv4-mapped one as its IPv4 address", async () => {
    chat = await startChat({
      trustProxyHops: 1,
      limits: { connectionsPerIp: 1, handshakesPerIpPerMinute: 0 },
    });
    await users.login("v6", from("2001:db8:1:2::1"));
    // Another address of the same /64: the same subscriber, however many addresses it rotates through.
    const sameBlock = await users.refusal(ChatUser.login(chat.url, "rotated", from("2001:db8:1:2:ffff::9")));
    expect(sameBlock.code).toBe(ErrorCode.RATE_LIMITED);
    expect((await users.login("next block", from("2001:db8:1:3::1"))).name).toBe("next block");

    await users.login("v4", from("192.0.2.1"));
    const mapped = await users.refusal(ChatUser.login(chat.url, "mapped", from("::ffff:192.0.2.1")));
    expect(mapped.code).toBe(ErrorCode.RATE_LIMITED);
  });
});

describe("one transport", () => {
  it("carries one chat socket: further logins on it are refused, so they cannot pass the connection limit", async () => {
    chat = await startChat({ limits: { connectionsPerIp: 5, handshakesPerIpPerMinute: 0 } });
    const base = `${chat.url}/socket.io/?EIO=4&transport=polling`;
    const { sid } = JSON.parse((await (await fetch(base)).text()).slice(1)) as { sid: string };
    // Three Socket.IO CONNECTs in one long-polling request: Engine.IO separates packets with \x1e.
    const logins = ["a1", "a2", "a3"].map((name) => `40${JSON.stringify({ name })}`).join("\x1e");
    await fetch(`${base}&sid=${sid}`, { method: "POST", body: logins });
    const answers: string[] = [];
    for (let poll = 0; poll < 20 && answers.length < 3; poll++) {
      const body = await (await fetch(`${base}&sid=${sid}`)).text();
      answers.push(...body.split("\x1e").filter((packet) => /^4[04]/.test(packet)));
    }
    expect(answers.filter((packet) => packet.startsWith("40"))).toHaveLength(1);
    const refusals = answers.filter((packet) => packet.startsWith("44"));
    expect(refusals).toHaveLength(2);
    for (const refusal of refusals) expect(refusal).toContain(ErrorCode.RATE_LIMITED);
    expect(chat.server.io.of("/").sockets.size).toBe(1);
  });

  it.each([
    ["announces binary attachments (and never sends them)", '51-["typing",{"_placeholder":true,"num":0}]'],
    ["is a binary frame", new Uint8Array(64 * 1024)],
  ])(
    "closes at a packet that %s: the protocol is JSON only, and nothing is held for it",
    async (_, packet) => {
      chat = await startChat();
      const ann = await users.login("Ann");
      const onServer = chat.server.io.of("/").sockets.get(ann.socket.id ?? "");
      if (!onServer) throw new Error("Ann has no socket on the server");
      const closed = once(onServer.conn, "close");
      ann.socket.io.engine.write(packet);
      await closed;
      expect((await users.login("Bob")).name).toBe("Bob");
    },
  );
});

describe("handshakes from one address", () => {
  it("are refused beyond the limit per minute with RATE_LIMITED and when to retry, while other addresses still connect", async () => {
    chat = await startChat({ limits: { connectionsPerIp: 0, handshakesPerIpPerMinute: 3 } });
    const ann = await users.login("Ann");
    await users.login("Bob");
    users.add(await ChatUser.connect(chat.url, { token: ann.token }));
    const refused = await users.refusal(ChatUser.connect(chat.url, { token: ann.token }));
    expect(refused.code).toBe(ErrorCode.RATE_LIMITED);
    expect(refused.data?.retryAfterMs).toBeGreaterThan(0);
    expect(refused.data?.retryAfterMs).toBeLessThanOrEqual(60_000);
    expect((await users.login("Cid", OTHER_ADDRESS)).name).toBe("Cid");
  });
});

describe("HTTP clients that send their request too slowly", () => {
  /** A raw TCP connection that writes `sent` and then nothing: resolves with what the server answered once it closed. */
  async function stalledRequest(sent: string): Promise<string> {
    const socket = connect(chat.port, "127.0.0.1");
    const answer: Buffer[] = [];
    socket.on("data", (chunk: Buffer) => answer.push(chunk));
    socket.write(sent);
    await once(socket, "close");
    return Buffer.concat(answer).toString("latin1");
  }

  it("are answered 408 and closed, partial headers or none, so that a few cannot hold sockets for minutes", async () => {
    chat = await startChat({ limits: { httpRequestTimeoutMs: 300 } });
    const [partial, silent] = await Promise.all([
      stalledRequest("GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: chat\r\n"),
      stalledRequest(""),
    ]);
    expect([partial, silent]).toEqual([
      expect.stringMatching(/^HTTP\/1\.1 408 /),
      expect.stringMatching(/^HTTP\/1\.1 408 /),
    ]);
    // A request sent at once is served as before.
    expect((await fetch(`${chat.url}/healthz`)).status).toBe(200);
  });
});
