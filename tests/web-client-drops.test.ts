import { type ChatMessage, CLIENT_EVENTS, SERVER_EVENTS } from "@chat/shared";
import { describe, expect, it } from "vitest";
import { useAnnouncer } from "../client/src/stores/announcer.js";
import { useConversation } from "../client/src/stores/conversation.js";
import { type OutgoingMessage, useOutbox } from "../client/src/stores/outbox.js";
import { useSession } from "../client/src/stores/session.js";
import { useWindows } from "../client/src/stores/windows.js";
import { ChatUser } from "../server/src/test-support/chat-client.js";
import { unreachableWhile } from "../server/src/test-support/chat-server.js";
import type { TcpRelay } from "../server/src/test-support/tcp-relay.js";
import { dropScenes } from "./support/drops.js";
import { startWebClient } from "./support/web-client.js";

const ROUNDS = 300;
/** Of the rounds, about this share cut the web client's connection. */
const CUT_CHANCE = 0.05;

const scenes = dropScenes();

/** Everything the user may read, by `sync` pages from the start. */
async function everythingFor(user: ChatUser): Promise<ChatMessage[]> {
  const all: ChatMessage[] = [];
  for (let after = 0, more = true; more; ) {
    const page = await user.sync(after);
    if (!page.ok) throw new Error(page.error.message);
    all.push(...page.messages);
    after = page.messages.at(-1)?.id ?? after;
    more = page.more;
  }
  return all;
}

const ids = (messages: readonly ChatMessage[]) => messages.map((m) => m.id);

/*
 * The web client's own connection code (ChatConnection, its outbox and catch-up, its Pinia stores), run in
 * Node against a real server through a relay that cuts its TCP connections; network-drops.test.ts drives
 * plain protocol clients the same way. Two other users write to the group and to the client meanwhile.
 */
describe("the web client's connection under network drops", () => {
  const STALLED_TEXT = "through a stalled link";
  /** From now on the link carries nothing more either way, and never closes; resolves once it has stalled. */
  const stall = {
    // A WebSocket's frames are masked, so no marker shows: stalled from before the message is on it.
    websocket: async (relay: TcpRelay) => void expect(relay.stallAll()).toBe(1),
    // Long-polling sends in a request of its own, while the pending poll goes on answering.
    polling: async (relay: TcpRelay) => void (await relay.stallOnSending(STALLED_TEXT, 5_000)),
  };

  it.each(["websocket", "polling"] as const)(
    "sends again, on a new connection, a message left unanswered by a link that stalled without closing (%s)",
    async (transport) => {
      const { chat, relay, users } = await scenes.start();
      const { connection } = startWebClient(relay.url, [transport]);
      await connection.login("Ann");
      await expect.poll(() => useSession().status).toBe("connected");
      const bob = await ChatUser.login(chat.url, "Bob");
      users.push(bob);
      const stalled = stall[transport](relay);
      connection.send(null, STALLED_TEXT);
      await stalled;
      await bob.waitFor(SERVER_EVENTS.message, (m) => m.text === STALLED_TEXT, 30_000);
      await expect.poll(() => useOutbox().entries, { timeout: 10_000 }).toEqual([]);
      expect(useConversation(null).messages.map((m) => m.text)).toEqual([STALLED_TEXT]);
      connection.logout();
    },
  );

  it("leaves closed the window of a private message sent offline and closed before it went", async () => {
    const { chat, users } = await scenes.start();
    const bob = await ChatUser.login(chat.url, "Bob");
    users.push(bob);
    const { connection, tab } = startWebClient(chat.url);
    await connection.login("Ann");
    await expect.poll(() => useSession().status).toBe("connected");
    const bobAsPeer = { name: "Bob", id: bob.id };
    connection.open(bobAsPeer);

    let offline = true;
    unreachableWhile(chat, () => offline);
    const lost = new Promise((resolve) => tab.once("disconnect", resolve));
    tab.io.engine.close();
    await lost;
    connection.send(bobAsPeer, "written offline");
    useWindows().close(bobAsPeer);
    offline = false;
    await bob.waitFor(SERVER_EVENTS.message, (m) => m.text === "written offline", 10_000);
    await expect.poll(() => useOutbox().entries).toEqual([]);
    expect(useWindows().isOpen(bobAsPeer)).toBe(false);
    expect(useConversation(bobAsPeer).messages.map((m) => m.text)).toEqual(["written offline"]);
    connection.logout();
  });

  it("ends with every conversation whole, each message once and in order, and its outbox sent once", async () => {
    const { chat, relay, outage, seed, random, users } = await scenes.start();

    const { connection } = startWebClient(relay.url);
    const session = useSession();
    const outbox = useOutbox();
    await connection.login("Ann");
    await expect.poll(() => session.status).toBe("connected");
    const [bob, cid] = [await ChatUser.login(chat.url, "Bob"), await ChatUser.login(chat.url, "Cid")];
    users.push(bob, cid);
    const bobAsPeer = { name: "Bob", id: bob.id };

    let cuts = 0;
    const written: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      if (random() < 0.3) {
        const text = `Ann ${round}`;
        written.push(text);
        connection.send(random() < 0.5 ? null : bobAsPeer, text);
      } else {
        const from = random() < 0.5 ? bob : cid;
        const ack = await from.send(random() < 0.5 ? null : "Ann", `${from.name} ${round}`);
        expect(ack.ok).toBe(true);
      }
      if (random() < CUT_CHANCE && relay.live > 0) {
        const dropped = relay.cutAll();
        // Some come back to no recovery state, and take the `sync` path.
        if (random() < 0.3) outage.forget(dropped);
        cuts++;
        // Some cuts land again right after a reconnection, in its handshake or catch-up.
        if (random() < 0.5) await relay.nextConnection(5000);
      }
    }

    // Everything the client wrote is acknowledged, and a fence sent last shows it has caught up.
    await expect.poll(() => outbox.entries.length, { timeout: 30_000 }).toBe(0);
    expect((await bob.send(null, "fence")).ok).toBe(true);
    const group = useConversation(null);
    await expect.poll(() => group.messages.at(-1)?.text, { timeout: 30_000 }).toBe("fence");

    const forBob = await everythingFor(bob);
    const forCid = await everythingFor(cid);
    const withAnn = (messages: ChatMessage[], name: string) =>
      messages.filter((m) => (m.from === name && m.to === "Ann") || (m.from === "Ann" && m.to === name));
    const expected = {
      group: forBob.filter((m) => m.to === null),
      bob: withAnn(forBob, "Bob"),
      cid: withAnn(forCid, "Cid"),
    };
    const shown = {
      group: group.messages,
      bob: useConversation(bobAsPeer).messages,
      cid: useConversation({ name: "Cid", id: cid.id }).messages,
    };
    // Private conversations catch up too; their last messages may have come after the fence.
    await expect.poll(() => ids(shown.bob), { timeout: 30_000 }).toEqual(ids(expected.bob));
    await expect.poll(() => ids(shown.cid), { timeout: 30_000 }).toEqual(ids(expected.cid));
    // Each conversation: exactly the stored messages, each once, in id order, as stored.
    expect(shown.group).toEqual(expected.group);
    expect(shown.bob).toEqual(expected.bob);
    expect(shown.cid).toEqual(expected.cid);
    // Whatever was resent after a cut, each text the client wrote was stored once.
    const stored = [...forBob, ...forCid].filter((m) => m.from === "Ann");
    const storedTexts = [...new Map(stored.map((m) => [m.id, m.text])).values()];
    expect(storedTexts.sort()).toEqual([...written].sort());
    expect(cuts).toBeGreaterThan(0);
    console.log(
      `web client drops (DROP_SEED=${seed}): ${ROUNDS} rounds, ${written.length} sent by the client, ` +
        `${cuts} cuts; ${shown.group.length} group and ${shown.bob.length + shown.cid.length} private messages shown`,
    );
    connection.logout();
  });
});

describe("the web client's failed sends", () => {
  it("tell a screen reader which message did not go, and why, as they fail", async () => {
    const { chat } = await scenes.start();
    const { connection } = startWebClient(chat.url);
    await connection.login("Ann");
    await expect.poll(() => useSession().status).toBe("connected");
    // Half of a surrogate pair, as a broken input method can leave: the server refuses the text.
    connection.send(null, "broken \uD800");
    await expect.poll(() => useOutbox().entries.map((entry) => entry.state)).toEqual(["failed"]);
    const { failure } = useOutbox().entries[0] as OutgoingMessage;
    expect(failure).toBeTruthy();
    expect(useAnnouncer().said.map(({ text }) => text)).toEqual([`Not sent: broken \uD800. ${failure}`]);
    connection.logout();
  });

  it("tell the writer the server did not answer, after trying on three connections, each a new one", async () => {
    const { chat } = await scenes.start();
    // A server that takes the connection but never answers a send, as one whose store hangs.
    const triedOn: object[] = [];
    chat.server.io.on("connection", (socket) =>
      socket.use(([event], next) => {
        if (event === CLIENT_EVENTS.send) triedOn.push(socket.conn);
        else next();
      }),
    );
    const { connection } = startWebClient(chat.url);
    await connection.login("Ann");
    await expect.poll(() => useSession().status).toBe("connected");
    connection.send(null, "into the silence");
    // Each try waits out the request's 10 s timeout.
    await expect
      .poll(() => useOutbox().entries.map((entry) => entry.state), { timeout: 45_000 })
      .toEqual(["failed"]);
    expect(new Set(triedOn).size).toBe(3);
    expect(triedOn).toHaveLength(3);
    expect(useAnnouncer().said.map(({ text }) => text)).toEqual([
      "Not sent: into the silence. The server did not answer.",
    ]);
    expect(useSession().status).toBe("connected");
    connection.logout();
  }, 60_000);
});
