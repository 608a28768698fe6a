import { CLIENT_EVENTS, SERVER_EVENTS } from "@chat/shared";
import { afterEach, describe, expect, it } from "vitest";
import { newToken } from "../sessions/tokens.js";
import { capturedLog } from "../test-support/captured-log.js";
import { ChatUser, sent } from "../test-support/chat-client.js";
import { type RunningChat, startChat } from "../test-support/chat-server.js";

let chat: RunningChat | null = null;
const users: ChatUser[] = [];

afterEach(async () => {
  for (const user of users.splice(0)) user.close();
  await chat?.close();
  chat = null;
});

describe("logs", () => {
  it("censor tokens, handshake auth and message text wherever a call site puts them", () => {
    const { lines, log } = capturedLog();
    log.info({ token: "secret-1", auth: { token: "secret-2" }, socket: { handshake: { auth: "x" } } }, "a");
    log.info({ message: { text: "private words", token: "secret-3" }, newToken: "secret-4" }, "b");
    // A whole socket or request, as a careless call site might log one.
    log.info({ socket: { handshake: { auth: { token: "secret-5", name: "Ann" } } } }, "c");
    log.info({ req: { headers: { cookie: "sid=secret-6", authorization: "Bearer secret-7" } } }, "d");
    log.info({ err: { data: { request: { headers: { cookie: "secret-8" } } } } }, "e");
    const written = JSON.stringify(lines);
    const secrets = [
      "secret-1",
      "secret-2",
      "secret-3",
      "secret-4",
      "secret-5",
      "secret-6",
      "secret-7",
      "secret-8",
    ];
    for (const secret of [...secrets, "private words"]) expect(written).not.toContain(secret);
    expect(lines[0]?.token).toBe("[redacted]");
  });

  it("of a real chat, at trace level, name the socket on every line about one, and hold no token or text", async () => {
    const { lines, log } = capturedLog();
    chat = await startChat({ logger: log });
    const ann = await ChatUser.login(chat.url, "Ann");
    // A login with a token of its own: that token is as secret as the server's.
    const bob = await ChatUser.connect(chat.url, { name: "Bob", newToken: newToken() });
    users.push(ann, bob);
    const text = "a sentence nobody should find in a log";
    await bob.receivedIds([sent(await ann.send("Bob", text)).id]);
    const again = await ChatUser.connect(chat.url, { token: ann.token });
    users.push(again);
    const left = again.next(SERVER_EVENTS.left);
    bob.socket.emit(CLIENT_EVENTS.logout);
    await left;

    const about = lines.filter((line) => "user" in line || /connect/.test(String(line.msg)));
    expect(about.length).toBeGreaterThanOrEqual(4);
    for (const line of about) expect(line.socket).toEqual(expect.any(String));
    expect(lines).toContainEqual(
      expect.objectContaining({
        msg: "answered",
        event: "message:send",
        result: "ok",
        socket: expect.any(String),
      }),
    );
    const written = JSON.stringify(lines);
    for (const secret of [ann.token, bob.token, text]) expect(written).not.toContain(secret);
  });

  it("of a connection carry the client's address, as the per-address limits count it", async () => {
    const { lines, log } = capturedLog();
    chat = await startChat({ logger: log, trustProxyHops: 1 });
    const ann = await ChatUser.login(chat.url, "Ann", {
      extraHeaders: { "x-forwarded-for": "198.51.100.1, 203.0.113.7" },
    });
    users.push(ann);
    expect(lines).toContainEqual(
      expect.objectContaining({ msg: "connected", socket: ann.socket.id, address: "203.0.113.7" }),
    );
  });
});
