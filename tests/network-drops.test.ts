import { SERVER_EVENTS, type SendRequest } from "@chat/shared";
import { describe, expect, it } from "vitest";
import { ChatUser } from "../server/src/test-support/chat-client.js";
import { dropScenes } from "./support/drops.js";
import { Progress, ResilientUser } from "./support/resilient-user.js";

const NAMES = ["Ann", "Bob", "Cid", "Dee", "Eve"];
const MESSAGES = 1000;
const CUTS = 20;
/** Sends each user keeps in flight: a bounded pace, but enough for cuts to land between send and ack. */
const LANES = 2;
const RECONNECTION = { reconnection: true, reconnectionDelay: 50, reconnectionDelayMax: 500 };

const scenes = dropScenes();

/** Ids of `message` events that arrived more than once, and conversations whose pushes went backwards. */
function pushAnomalies(client: ResilientUser): { twice: number[]; outOfOrder: string[] } {
  const seen = new Set<number>();
  const twice: number[] = [];
  const newest = new Map<string, number>();
  const outOfOrder: string[] = [];
  for (const message of client.user.messages) {
    if (seen.has(message.id)) twice.push(message.id);
    seen.add(message.id);
    const conversation = client.conversationOf(message);
    const previous = newest.get(conversation) ?? 0;
    if (message.id <= previous) outOfOrder.push(`${conversation}: ${message.id} after ${previous}`);
    newest.set(conversation, Math.max(previous, message.id));
  }
  return { twice, outOfOrder };
}

/*
 * What is asserted, for every acknowledged message and every user:
 * - the pushed `message` events (as socket.io-client emits them, nothing deduplicated) never carry the
 *   same id twice and never go backwards within a conversation: exactly once, in order, where Socket.IO
 *   recovery or a live connection delivered it;
 * - the client's merged view (pushes + `sync` pages by id + own acks) is exactly the messages the user
 *   should see: the group's, and the private ones to or from them; nothing lost, nothing of a third party;
 * - each send was stored once (1000 acks, 1000 distinct ids), whatever the resends;
 * - no reconnection was refused (NAME_TAKEN, SESSION_EXPIRED): the 60 s grace window outlives every drop.
 */
describe("network drops between real socket.io-clients and the server", () => {
  it(`deliver ${MESSAGES} group and private messages exactly once and in order across ${CUTS} cuts`, async () => {
    // The default grace window (60 s) outlives every drop here, so no name is ever freed.
    const { relay, outage, seed, random, users } = await scenes.start();
    const url = relay.url;
    const progress = new Progress();
    const clients = await Promise.all(
      NAMES.map(async (name) => {
        const user = await ChatUser.login(url, name, RECONNECTION);
        users.push(user);
        return new ResilientUser(user, progress);
      }),
    );

    const outboxes: SendRequest[][] = NAMES.map(() => []);
    for (let i = 0; i < MESSAGES; i++) {
      const from = i % NAMES.length;
      const peer = NAMES[(from + 1 + Math.floor(random() * (NAMES.length - 1))) % NAMES.length] as string;
      const to = random() < 0.5 ? null : peer;
      outboxes[from]?.push({ to, text: `#${i} from ${NAMES[from]} to ${to ?? "all"}`, clientId: `m${i}` });
    }
    const ackedCount = () => clients.reduce((sum, client) => sum + client.acked.size, 0);
    const sending = Promise.all(clients.map((client, i) => client.sendAll(outboxes[i] ?? [], LANES)));

    // Cuts at random points of the burst (by acknowledged count), some right on the heels of a
    // reconnection so they land mid-handshake or mid-sync, and some the server cannot recover from.
    const thresholds = Array.from({ length: CUTS }, () => 20 + Math.floor(random() * 780));
    const cuts: { acked: number; dropped: number; onReconnect: boolean; unrecoverable: boolean }[] = [];
    for (const threshold of thresholds.sort((a, b) => a - b)) {
      const onReconnect = cuts.length > 0 && random() < 0.3;
      if (onReconnect) {
        await relay.nextConnection(5000);
        await new Promise((resolve) => setTimeout(resolve, random() * 30));
      } else {
        await progress.until(() => ackedCount() >= threshold, 20_000, `${threshold} acks`);
        if (relay.live === 0) await relay.nextConnection(5000);
      }
      const unrecoverable = random() < 0.3;
      const dropped = relay.cutAll();
      if (unrecoverable) outage.forget(dropped);
      cuts.push({ acked: ackedCount(), dropped, onReconnect, unrecoverable });
    }
    await sending;
    const acked = clients.flatMap((client) => [...client.acked.values()]);
    /** What a user must have received from others (their own messages they have from the acks). */
    const incoming = (client: ResilientUser) => acked.filter((m) => client.sees(m) && m.from !== client.name);
    // Wait until every client has caught up and holds everything meant for it; if that never happens,
    // the assertions below say what is missing.
    await progress
      .until(
        () => clients.every((c) => c.caughtUp && incoming(c).every((m) => c.known.has(m.id))),
        10_000,
        "every client to catch up",
      )
      .catch(() => undefined);

    expect(clients.flatMap((c) => c.failures)).toEqual([]);
    // Never NAME_TAKEN or SESSION_EXPIRED: every reconnection resumed its session.
    expect(clients.flatMap((c) => c.refusals)).toEqual([]);
    expect(cuts.filter((cut) => cut.acked >= MESSAGES || cut.dropped === 0)).toEqual([]);
    // All acknowledged as sent, and a resend never stored a second copy.
    expect(acked).toHaveLength(MESSAGES);
    expect(new Set(acked.map((m) => m.id)).size).toBe(MESSAGES);
    for (const [i, outbox] of outboxes.entries()) {
      for (const req of outbox) {
        expect(clients[i]?.acked.get(req.clientId)).toMatchObject({ ...req, from: NAMES[i] });
      }
    }

    let deliveries = 0;
    let pushed = 0;
    for (const client of clients) {
      // One identity throughout: every `session` greeting carried the same name and token.
      const sessions = client.user.events
        .filter((e) => e.event === SERVER_EVENTS.session)
        .map((e) => e.payload);
      expect(new Set(sessions.map((s) => JSON.stringify(s))).size).toBe(1);
      // Pushed `message` events: never the same id twice, never backwards within a conversation.
      expect(pushAnomalies(client)).toEqual({ twice: [], outOfOrder: [] });
      // The merged view holds exactly the messages this user should see, with the content that was
      // acknowledged: nothing lost, no third party's private message, no second stored copy of a send
      // (which would show as a second id). Merging by id is the client's duty, so "exactly once" about
      // the view is about this set; about pushes it is the assertion above.
      const expected = acked.filter((m) => client.sees(m)).sort((a, b) => a.id - b.id);
      expect(client.view()).toEqual(expected);
      expect([...client.known.values()].filter((m) => !client.sees(m))).toEqual([]);
      deliveries += expected.length;
      const pushedIds = new Set(client.user.messages.map((m) => m.id));
      pushed += incoming(client).filter((m) => pushedIds.has(m.id)).length;
    }

    const total = (count: (c: ResilientUser) => number) => clients.reduce((sum, c) => sum + count(c), 0);
    const group = acked.filter((m) => m.to === null).length;
    const reconnects = total((c) => c.reconnects);
    const recovered = total((c) => c.recovered);
    const received = total((c) => incoming(c).length);
    console.log(
      `network drops (DROP_SEED=${seed}): ${MESSAGES} sent (${group} group, ${MESSAGES - group} private) ` +
        `by ${NAMES.length} users, ${acked.length} acked after ${total((c) => c.resends)} resends; ` +
        `${cuts.length} cuts (${cuts.filter((c) => c.onReconnect).length} right after a reconnection, ` +
        `${cuts.filter((c) => c.unrecoverable).length} unrecoverable) dropped ` +
        `${cuts.reduce((sum, c) => sum + c.dropped, 0)} connections, the last at ${cuts.at(-1)?.acked} acks; ${reconnects} reconnects: ` +
        `${recovered} recovered, ${reconnects - recovered} caught up by sync ` +
        `(${total((c) => c.syncPages)} pages); ${deliveries} deliveries checked (${received} to others: ` +
        `${pushed} pushed, ${received - pushed} only via sync); 0 duplicates, 0 out of order, 0 refusals; ` +
        `${total((c) => c.staleDropped)} stale pre-connect packets discarded (socket.io-client receive buffer)`,
    );
  });
});
