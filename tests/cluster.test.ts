import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CLIENT_EVENTS, SERVER_EVENTS, type SendRequest } from "@chat/shared";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChatUser, Refused } from "../server/src/test-support/chat-client.js";
import { type RunningRedis, startRedis } from "../server/src/test-support/redis-server.js";
import { launchChromium } from "./support/browser.js";
import { ChatPage } from "./support/chat-page.js";
import { type Nginx, startNginx } from "./support/nginx.js";
import { Progress, ResilientUser } from "./support/resilient-user.js";
import { type ServerProcess, startServerProcess } from "./support/server-process.js";

/*
 * Two server processes sharing one redis-server, behind the nginx config we ship, under /chat/: the
 * deployment README describes. Every client goes through nginx unless a test needs a particular node.
 */
let redis: RunningRedis;
let nodes: { n1: ServerProcess; n2: ServerProcess };
let nginx: Nginx;
const users: ChatUser[] = [];

const PATH = "/chat/socket.io";
const RECONNECTION = { reconnection: true, reconnectionDelay: 100, reconnectionDelayMax: 500 };

function startNode(nodeId: string): Promise<ServerProcess> {
  return startServerProcess({
    PORT: "0",
    DATA_DIR: mkdtempSync(join(tmpdir(), "chat-node-")),
    REDIS_URL: redis.url,
    BASE_PATH: "/chat/",
    TRUST_PROXY: "1",
    NODE_ID: nodeId,
    // Every test client comes from 127.0.0.1 and sends faster than a person: these tests are about delivery.
    MESSAGES_PER_SECOND: "0",
    READS_PER_SECOND: "0",
    HANDSHAKES_PER_IP_PER_MINUTE: "0",
  });
}

async function login(name: string, options: Parameters<typeof ChatUser.login>[2] = {}): Promise<ChatUser> {
  const user = await ChatUser.login(nginx.origin, name, { path: PATH, ...options });
  users.push(user);
  return user;
}

async function loginAt(node: ServerProcess, name: string): Promise<ChatUser> {
  const user = await ChatUser.login(node.url, name, { path: PATH });
  users.push(user);
  return user;
}

/** Which node holds a client's connection: its Engine.IO session id starts with the node's name. */
const nodeOf = (user: ChatUser) => user.socket.io.engine.id.split("-")[0];

/**
 * The Redis Streams adapter only reads what is added after its reader started, a moment after the
 * process listens: wait until a join on one node is announced on the other, both ways.
 */
async function untilNodesHearEachOther(): Promise<void> {
  for (const [from, to] of [
    [nodes.n1, nodes.n2],
    [nodes.n2, nodes.n1],
  ] as const) {
    const watcher = await loginAt(to, `watcher-${to.port}`);
    let heard = false;
    for (let attempt = 0; attempt < 40 && !heard; attempt++) {
      const name = `probe-${from.port}-${attempt}`;
      const joined = watcher.next(SERVER_EVENTS.joined, (u) => u.name === name, 250);
      const probe = await loginAt(from, name);
      heard = await joined.then(
        () => true,
        () => false,
      );
      probe.socket.emit(CLIENT_EVENTS.logout);
    }
    expect(heard).toBe(true);
    watcher.socket.emit(CLIENT_EVENTS.logout);
  }
}

beforeAll(async () => {
  redis = await startRedis();
  nodes = { n1: await startNode("n1"), n2: await startNode("n2") };
  nginx = await startNginx({ n1: nodes.n1.port, n2: nodes.n2.port });
  await untilNodesHearEachOther();
});

afterAll(async () => {
  for (const user of users.splice(0)) user.close();
  await nginx?.stop();
  for (const node of Object.values(nodes ?? {})) await node.kill("SIGTERM");
  await redis?.stop();
});

describe("two nodes with Redis behind nginx", () => {
  it("spread users over both nodes and behave as one chat: messages, typing, online list and names", async () => {
    const people = [];
    for (const name of ["Ann", "Ben", "Cat", "Dan", "Eva", "Fay"]) people.push(await login(name));
    const onN1 = people.filter((p) => nodeOf(p) === "n1");
    const onN2 = people.filter((p) => nodeOf(p) === "n2");
    expect(onN1.length + onN2.length).toBe(people.length);
    const [sender, recipient, bystander] = [onN1[0], onN2[0], onN1[1] ?? onN2[1]];
    if (!sender || !recipient || !bystander)
      throw new Error(`not spread over both nodes: ${people.map(nodeOf)}`);

    const hello = await sender.send(null, "hello from n1");
    expect(hello.ok).toBe(true);
    if (hello.ok)
      for (const other of people.filter((p) => p !== sender)) await other.receivedIds([hello.message.id]);

    const secret = await recipient.send(sender.name, "n2 to n1, privately");
    expect(secret.ok).toBe(true);
    expect(await recipient.typing(sender.name)).toEqual({ ok: true });
    expect(await sender.waitFor(SERVER_EVENTS.typing)).toEqual({
      name: recipient.name,
      id: recipient.session?.id,
    });
    const fence = await sender.send(null, "fence");
    if (secret.ok && fence.ok) {
      await sender.receivedIds([secret.message.id]);
      await bystander.receivedIds([fence.message.id]);
    }
    expect(bystander.messages.map((m) => m.text)).not.toContain("n2 to n1, privately");
    expect(bystander.events.some((e) => e.event === SERVER_EVENTS.typing)).toBe(false);

    // The same full list on either node, and a name held on one node is refused on the other.
    const [lookA, lookB] = [await loginAt(nodes.n1, "Gus"), await loginAt(nodes.n2, "Hal")];
    const everyone = [...people.map((p) => p.name), "Gus", "Hal"].sort();
    await expect.poll(() => [...lookA.online].sort()).toEqual(everyone);
    await expect.poll(() => [...lookB.online].sort()).toEqual(everyone);
    const taken = await ChatUser.login(nodes.n2.url, "gus", { path: PATH }).catch((err: unknown) => err);
    expect(taken).toBeInstanceOf(Refused);
    expect((taken as Refused).code).toBe("NAME_TAKEN");
  });

  it("admits the proxy's own pages, whose Origin carries the proxy's port, on both transports", async () => {
    // nginx must pass the Host with its port on, or the node compares the page's origin with a host
    // that lacks it and refuses every browser on a port other than 80.
    const page = { extraHeaders: { Origin: nginx.origin } };
    for (const transports of [["websocket"], ["polling"]]) {
      const user = await login(`origin-${transports[0]}`, { ...page, transports });
      expect((await user.send(null, "from the proxy's page")).ok).toBe(true);
    }
    const foreign = await ChatUser.login(nginx.origin, "intruder", {
      path: PATH,
      extraHeaders: { Origin: "http://127.0.0.1:1" },
    }).catch((err: unknown) => err);
    expect(foreign).toBeInstanceOf(Error);
  });

  it("serves the page under /chat/ to Chromium, whose users on different nodes talk", async () => {
    const browser: Browser = await launchChromium();
    try {
      const pages = [await ChatPage.open(browser, `${nginx.origin}/chat/`)];
      pages.push(await ChatPage.open(browser, `${nginx.origin}/chat/`));
      const [ivy, jon] = pages as [ChatPage, ChatPage];
      await ivy.login("Ivy");
      await jon.login("Jon");
      await ivy.onlineUser("Jon").click();
      await ivy.say(ivy.privateWindow("Jon"), "across the proxy");
      await jon.message(jon.privateWindow("Ivy"), "across the proxy").waitFor();
      await jon.say(jon.group, "to everyone");
      await ivy.message(ivy.group, "to everyone").waitFor();
      for (const page of pages) await page.close();
    } finally {
      await browser.close();
    }
  });

  it("moves the users of a killed node to the other within 5 s, by token, missing nothing", async () => {
    const progress = new Progress();
    const names = ["Kim", "Lou", "Max", "Ned"];
    const clients: ResilientUser[] = [];
    for (const name of names) clients.push(new ResilientUser(await login(name, RECONNECTION), progress));
    const victims = clients.filter((c) => nodeOf(c.user) === "n1");
    expect(victims.length).toBeGreaterThan(0);

    const outboxes = clients.map((client, i) =>
      Array.from(
        { length: 60 },
        (_, n): SendRequest => ({
          to: n % 3 === 0 ? (names[(i + 1) % names.length] as string) : null,
          text: `${client.name} #${n}`,
          clientId: `${client.name}-${n}`,
        }),
      ),
    );
    const sending = Promise.all(clients.map((client, i) => client.sendAll(outboxes[i] ?? [], 2)));
    const ackedCount = () => clients.reduce((sum, client) => sum + client.acked.size, 0);
    await progress.until(() => ackedCount() >= 60, 20_000, "a third of the burst");

    const reconnected = victims.map(
      (victim) =>
        new Promise<string>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`${victim.name} not back within 5 s`)), 5_000);
          victim.user.socket.once("connect", () => {
            clearTimeout(timer);
            resolve(nodeOf(victim.user) ?? "");
          });
        }),
    );
    await nodes.n1.kill("SIGKILL");
    expect(await Promise.all(reconnected)).toEqual(victims.map(() => "n2"));
    await sending;

    const acked = clients.flatMap((client) => [...client.acked.values()]);
    expect(acked).toHaveLength(240);
    await progress
      .until(
        () =>
          clients.every(
            (c) => c.caughtUp && acked.every((m) => !c.sees(m) || c.view().some((v) => v.id === m.id)),
          ),
        10_000,
        "every client to catch up",
      )
      .catch(() => undefined);
    expect(clients.flatMap((c) => [...c.failures, ...c.refusals])).toEqual([]);
    for (const client of clients) {
      // (The earlier tests' messages, which a catch-up may also bring, are not this test's business.)
      const ours = client.view().filter((m) => names.includes(m.from));
      expect(ours).toEqual(acked.filter((m) => client.sees(m)).sort((a, b) => a.id - b.id));
      // The same identity all along: every session greeting carried one name and one token.
      const sessions = client.user.events
        .filter((e) => e.event === SERVER_EVENTS.session)
        .map((e) => JSON.stringify(e.payload));
      expect(new Set(sessions).size).toBe(1);
    }
    // Nothing acknowledged was lost with the node: the surviving node has it all.
    const auditor = await loginAt(nodes.n2, "Auditor");
    const stored = await auditor.sync(null);
    const storedIds = new Set(stored.ok ? stored.messages.map((m) => m.id) : []);
    expect(acked.filter((m) => m.to === null && !storedIds.has(m.id))).toEqual([]);
    console.log(
      `node kill: ${victims.length} of ${clients.length} users moved from n1 to n2; ${acked.length} acked, ` +
        `${clients.reduce((sum, c) => sum + c.resends, 0)} resends, 0 lost`,
    );
  });
});
