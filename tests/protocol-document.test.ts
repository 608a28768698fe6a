import { randomBytes } from "node:crypto";
import { CLIENT_EVENTS, ErrorCode, LIMITS, SERVER_EVENTS } from "@chat/shared";
import { describe, expect, it } from "vitest";
import { ChatUser, sent } from "../server/src/test-support/chat-client.js";
import { chatPerTest } from "../server/src/test-support/chat-per-test.js";
import { engineHandshake, refusalOf } from "./support/protocol-client.js";
import { numbersIn, PROTOCOL, paragraph } from "./support/protocol-document.js";

/*
 * docs/PROTOCOL.md, read as a third-party client author reads it: its names and numbers against shared/,
 * and what it promises about transports and the handshake against a real server. (Messages, reads,
 * presence and recovery: the protocol-document-*.test.ts files beside this one.)
 */
describe("the document's names and numbers", () => {
  it("lists exactly the error codes of shared/", () => {
    const listed = [...paragraph("All error codes:").matchAll(/`([A-Z_]+)`/g)].map(([, code]) => code);
    expect(new Set(listed)).toEqual(new Set(Object.values(ErrorCode)));
  });

  it("names every event of both event maps, and no event they lack", () => {
    const quoted = new Set([...PROTOCOL.matchAll(/[`"]([a-z]+(?::[a-z]+)?)[`"]/g)].map(([, name]) => name));
    const events: string[] = [...Object.values(CLIENT_EVENTS), ...Object.values(SERVER_EVENTS)];
    for (const event of events) expect(quoted, event).toContain(event);
    const eventLike = [...PROTOCOL.matchAll(/`([a-z]+:[a-z]+)`/g)].map(([, name]) => name);
    for (const name of eventLike) expect(events, name).toContain(name);
  });

  it("gives each limit of its table the value LIMITS has, and names only limits that exist", () => {
    const sourced = PROTOCOL.split("\n").filter((row) => row.startsWith("|") && row.includes("LIMITS."));
    expect(sourced.length).toBeGreaterThan(0);
    const tabled = new Set<string>();
    for (const row of sourced) {
      const [, , value = "", source = ""] = row.split("|");
      // "`LIMITS.historyPageDefault` / `historyPageMax`": every name after the first shares its prefix.
      for (const [, key = ""] of source.matchAll(/`(?:LIMITS\.)?(\w+)`/g)) {
        expect(LIMITS, row).toHaveProperty(key);
        expect(numbersIn(value), row).toContain(LIMITS[key as keyof typeof LIMITS]);
        tabled.add(key);
      }
    }
    // Every limit a client must respect is in the table; the ones about pace and cost are in prose.
    const inProse = ["answerCharsPerRead", "typingNoticeEveryMs", "typingShownMs"];
    expect([...tabled, ...inProse].sort()).toEqual(Object.keys(LIMITS).sort());
  });

  it("says, wherever its prose names a limit of LIMITS, the value LIMITS has", () => {
    const mentions = [...PROTOCOL.matchAll(/LIMITS\.(\w+)/g)];
    expect(mentions.length).toBeGreaterThan(0);
    for (const { 0: mention, 1: key = "", index } of mentions) {
      expect(LIMITS, mention).toHaveProperty(key);
      const line = PROTOCOL.slice(PROTOCOL.lastIndexOf("\n", index) + 1, index);
      if (line.startsWith("|")) continue; // a table row: the test above
      const value: number = LIMITS[key as keyof typeof LIMITS];
      // "at most once every 3 s (`LIMITS.typingNoticeEveryMs`)": prose gives times in seconds.
      const said = key.endsWith("Ms") ? value / 1000 : value;
      expect(numbersIn(PROTOCOL.slice(index - 80, index)), mention).toContain(said);
    }
  });
});

const server = chatPerTest();
const { users } = server;

describe("section 1, transport", () => {
  it.each([["websocket"], ["polling"]])("carries the whole chat over %s alone", async (transport) => {
    const options = { transports: [transport] };
    const [ann, bob] = [await users.login("Ann", options), await users.login("Bob", options)];
    const group = sent(await ann.send(null, "over one transport"));
    const secret = sent(await bob.send("Ann", "psst"));
    await bob.receivedIds([group.id]);
    await ann.receivedIds([secret.id]);
    expect(ann.socket.io.engine.transport.name).toBe(transport);
    const page = await bob.history(null);
    expect(page.ok && page.messages).toEqual([group]);
  });

  it("does not serve the Socket.IO client script", async () => {
    const response = await fetch(`${server.chat.url}/socket.io/socket.io.js`);
    expect(response.ok).toBe(false);
    expect(response.headers.get("content-type")).not.toMatch(/javascript/);
  });

  it("tells a client written from scratch the packet limit, in bytes, in the Engine.IO handshake", async () => {
    expect((await engineHandshake(server.chat.url)).maxPayload).toBe(64 * 1024);
  });

  /** A send of `count` "€": 3 bytes of UTF-8 each, so 21,000 of them are under 64 KiB and 22,000 over. */
  const euros = (count: number, clientId: string) => ({ to: null, text: "€".repeat(count), clientId });

  it.each([
    ["websocket", "transport close"],
    ["polling", "transport error"],
  ])(
    "over %s, answers a packet under 64 KiB and drops the connection on one over it, counting bytes",
    async (transport, reason) => {
      const ann = await users.login("Ann", { transports: [transport] });
      const under = await ann.socket.timeout(10_000).emitWithAck(CLIENT_EVENTS.send, euros(21_000, "under"));
      expect(under).toMatchObject({ ok: false, error: { code: ErrorCode.TEXT_INVALID } });
      const closed = new Promise<string>((resolve) => ann.socket.once("disconnect", resolve));
      ann.socket.emit(CLIENT_EVENTS.send, euros(22_000, "over"), () => {});
      expect(await closed).toBe(reason);
    },
  );

  it("over polling, takes packets sent together that are over 64 KiB only together", async () => {
    const ann = await users.login("Ann", { transports: ["polling"] });
    // socket.io-client sends what it buffered in one request, split to fit the handshake's maxPayload.
    const acks = await Promise.all(
      ["a", "b", "c"].map((id) =>
        ann.socket.timeout(10_000).emitWithAck(CLIENT_EVENTS.send, euros(15_000, id)),
      ),
    );
    for (const ack of acks) expect(ack).toMatchObject({ ok: false, error: { code: ErrorCode.TEXT_INVALID } });
    expect(ann.socket.connected).toBe(true);
  });
});

describe("section 2, the handshake", () => {
  it("greets with a 256-bit base64url token, the name as normalised, and an id", async () => {
    const ann = await users.login("  Ann\u00a0\u2003Lee ");
    expect(ann.session).toEqual({
      token: expect.stringMatching(/^[\w-]{43}$/),
      name: "Ann Lee",
      id: expect.any(String),
    });
    expect(Buffer.from(ann.token, "base64url")).toHaveLength(32);
  });

  it("resumes by token when auth has a name as well, ignoring the name and any other key", async () => {
    const ann = await users.login("Ann");
    const tab = await users.connect({ token: ann.token, name: "Zed", pid: "x", offset: "y", extra: 1 });
    expect(tab.session).toEqual(ann.session);
    expect(tab.online.has("Zed")).toBe(false);
  });

  it("takes an empty or over-long token for a token, and refuses it with SESSION_EXPIRED", async () => {
    for (const token of ["", "x".repeat(LIMITS.tokenMaxLength + 1), 42]) {
      const refusal = await users.refusal(ChatUser.connect(server.chat.url, { token, name: "Ann" }));
      expect(refusal.code).toBe(ErrorCode.SESSION_EXPIRED);
    }
  });

  it("gives a login the newToken it made, which the same auth again resumes; a malformed one is BAD_REQUEST", async () => {
    const newToken = randomBytes(32).toString("base64url");
    const ann = await users.connect({ name: "Ann", newToken });
    expect(ann.token).toBe(newToken);
    const retry = await users.connect({ name: "Ann", newToken });
    expect(retry.session).toEqual(ann.session);
    const padded = randomBytes(32).toString("base64");
    const refusal = await users.refusal(ChatUser.connect(server.chat.url, { name: "Bob", newToken: padded }));
    expect(refusal.code).toBe(ErrorCode.BAD_REQUEST);
  });

  it("refuses with err.message the code, err.data { code, message }, and no retry of its own", async () => {
    await users.login("Ann");
    const { error, active } = await refusalOf(server.chat.url, { name: "ANN" });
    expect(error.message).toBe(ErrorCode.NAME_TAKEN);
    expect(error.data).toEqual({ code: ErrorCode.NAME_TAKEN, message: expect.stringContaining("ANN") });
    expect(active).toBe(false);
  });

  it("lists the user themselves, and no away field on a user who is not away", async () => {
    const ann = await users.login("Ann");
    const list = await ann.waitFor(SERVER_EVENTS.users);
    expect(list).toEqual({ users: [{ name: "Ann", id: ann.session?.id }], v: expect.any(String) });
  });
});
