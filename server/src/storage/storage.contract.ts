import { uniqueNameKey } from "@chat/shared/name-skeleton";
import { afterEach, describe, expect, it } from "vitest";
import { message, user } from "../test-support/storage-fixtures.js";
import type { User } from "../users.js";
import { describePresenceContract } from "./presence.contract.js";
import type { Storage } from "./storage.js";

/**
 * A backend under test. `open` may be called again after `close` and must reach the same data: that is
 * how the suite checks that sessions and messages survive a restart.
 */
export interface StorageBackend {
  open(): Promise<Storage>;
}

/** The behaviour every Storage implementation must have; run it unchanged against each backend. */
export function describeStorageContract(backendName: string, makeBackend: () => StorageBackend): void {
  describe(`${backendName} storage contract`, () => {
    const opened: Storage[] = [];
    let backend: StorageBackend;

    async function open(): Promise<Storage> {
      const storage = await backend.open();
      opened.push(storage);
      return storage;
    }

    async function fresh(): Promise<Storage> {
      backend = makeBackend();
      return open();
    }

    afterEach(async () => {
      for (const storage of opened.splice(0)) await storage.close().catch(() => undefined);
    });

    describe("sessions", () => {
      it("find a live session by token hash and forget it once ended", async () => {
        const { sessions } = await fresh();
        const ann = user("Ann");
        await sessions.create(ann, "hash-ann", 1);
        expect(await sessions.findByTokenHash("hash-ann")).toEqual(ann);
        expect(await sessions.findByTokenHash("hash-other")).toBeNull();
        await sessions.end(ann.id, 2);
        expect(await sessions.findByTokenHash("hash-ann")).toBeNull();
      });

      it("end the previous holder of a name when a new session takes it", async () => {
        const { sessions } = await fresh();
        // "Воb" with a Cyrillic В and о: a name that looks like another is that name.
        const [oldBob, newBob] = [user("Bob"), user("\u0412\u043Eb")];
        await sessions.create(oldBob, "hash-old", 1);
        await sessions.create(newBob, "hash-new", 2);
        expect(await sessions.findByTokenHash("hash-old")).toBeNull();
        expect(await sessions.findByTokenHash("hash-new")).toEqual(newBob);
      });

      it("name whose session an ended token hash was, whether logged out or its name taken, and no other", async () => {
        const { sessions } = await fresh();
        const [ann, bob, newBob] = [user("Ann"), user("Bob"), user("bob")];
        await sessions.create(ann, "hash-ann", 1);
        await sessions.create(bob, "hash-bob", 2);
        expect(await sessions.findEndedByTokenHash("hash-ann")).toBeNull();
        expect(await sessions.findEndedByTokenHash("hash-unknown")).toBeNull();
        await sessions.end(ann.id, 3);
        await sessions.create(newBob, "hash-new-bob", 4);
        expect(await sessions.findEndedByTokenHash("hash-ann")).toEqual(ann);
        expect(await sessions.findEndedByTokenHash("hash-bob")).toEqual(bob);
        expect(await sessions.findEndedByTokenHash("hash-new-bob")).toBeNull();
        // Ending it again changes nothing.
        await sessions.end(ann.id, 5);
        expect(await sessions.findEndedByTokenHash("hash-ann")).toEqual(ann);
      });

      it("refuse a token hash any session had, live or ended, changing nothing, and tell it was used", async () => {
        const { sessions } = await fresh();
        const [ann, otherAnn, bob] = [user("Ann"), user("Ann"), user("Bob")];
        expect(await sessions.tokenUsed("hash-ann")).toBe(false);
        expect(await sessions.create(ann, "hash-ann", 1)).toBe(true);
        expect(await sessions.tokenUsed("hash-ann")).toBe(true);
        expect(await sessions.create(otherAnn, "hash-ann", 2)).toBe(false);
        expect(await sessions.findByTokenHash("hash-ann")).toEqual(ann);
        await sessions.end(ann.id, 3);
        expect(await sessions.create(bob, "hash-ann", 4)).toBe(false);
        expect(await sessions.findByTokenHash("hash-ann")).toBeNull();
        expect(await sessions.tokenUsed("hash-ann")).toBe(true);
        expect(await sessions.isKnownName(bob.key)).toBe(false);
      });

      it("remember which names were ever used", async () => {
        const { sessions } = await fresh();
        const cid = user("Cid");
        await sessions.create(cid, "hash-cid", 1);
        await sessions.end(cid.id, 2);
        expect(await sessions.isKnownName(uniqueNameKey("\u0441id"))).toBe(true); // Cyrillic с
        expect(await sessions.isKnownName(uniqueNameKey("Dee"))).toBe(false);
      });
    });

    describe("presence", () => describePresenceContract(fresh));

    describe("messages", () => {
      it("assign increasing ids in send order and keep the sender's clientId", async () => {
        const { messages } = await fresh();
        const ann = user("Ann");
        const results = await Promise.all(
          ["a", "b", "c"].map((text) => messages.append(message(ann, null, text))),
        );
        const ids = results.map((r) => r.message.id);
        expect(ids).toEqual([...ids].sort((x, y) => x - y));
        expect(new Set(ids).size).toBe(3);
        expect(results[0]?.message).toMatchObject({
          from: "Ann",
          fromId: ann.id,
          to: null,
          toId: null,
          text: "a",
          clientId: `${ann.id}:a`,
        });
        expect(results.every((r) => !r.duplicate)).toBe(true);
      });

      it("return the original for a repeated clientId of the same sender, even in one batch", async () => {
        const { messages } = await fresh();
        const [ann, bob] = [user("Ann"), user("Bob")];
        const [first, again] = await Promise.all([
          messages.append(message(ann, null, "hi", "k1")),
          messages.append(message(ann, null, "changed", "k1")),
        ]);
        expect(again).toMatchObject({ message: first?.message, duplicate: true });
        expect(await messages.findByClientId(ann.id, "k1")).toEqual(first?.message);
        expect((await messages.append(message(bob, null, "hi", "k1"))).duplicate).toBe(false);
        expect(await messages.findByClientId(bob.id, "nope")).toBeNull();
      });

      it("page a conversation backwards, oldest first, only for its parties", async () => {
        const { messages } = await fresh();
        const [ann, bob, cid] = [user("Ann"), user("Bob"), user("Cid")];
        const sent = [];
        for (let i = 0; i < 6; i++) {
          sent.push(
            (await messages.append(message(i % 2 ? bob : ann, i % 2 ? ann : bob, `p${i}`))).message.id,
          );
          await messages.append(message(cid, null, `g${i}`));
        }
        await messages.append(message(cid, ann, "cid to ann"));
        const anyBob = { key: bob.key, id: null };
        expect((await messages.page(ann.id, anyBob, null, 4)).map((m) => m.id)).toEqual(sent.slice(2));
        expect(
          (await messages.page(bob.id, { key: ann.key, id: null }, sent[2] ?? 0, 10)).map((m) => m.id),
        ).toEqual(sent.slice(0, 2));
        expect(await messages.page(cid.id, anyBob, null, 10)).toEqual([]);
        const group = await messages.page(ann.id, null, null, 3);
        expect(group.map((m) => m.text)).toEqual(["g3", "g4", "g5"]);
      });

      it("page a conversation with one identity apart from earlier and later holders of its name", async () => {
        const { messages } = await fresh();
        const [ann, firstBob, laterBob] = [user("Ann"), user("Bob"), user("Bob")];
        const toFirst = (await messages.append(message(ann, firstBob, "to the first Bob"))).message;
        await messages.append(message(laterBob, ann, "from the later Bob"));
        await messages.append(message(firstBob, ann, "from the first Bob"));
        expect(toFirst).toMatchObject({ to: "Bob", toId: firstBob.id, fromId: ann.id });
        const texts = async (viewer: User, peer: User, id: string | null) =>
          (await messages.page(viewer.id, { key: peer.key, id }, null, 10)).map((m) => m.text);
        expect(await texts(ann, firstBob, firstBob.id)).toEqual(["to the first Bob", "from the first Bob"]);
        expect(await texts(ann, laterBob, laterBob.id)).toEqual(["from the later Bob"]);
        expect(await texts(ann, laterBob, null)).toHaveLength(3);
        expect(await texts(laterBob, ann, ann.id)).toEqual(["from the later Bob"]);
        expect(await texts(ann, firstBob, "someone else")).toEqual([]);
        // An identity under a name it never held: none of its messages.
        expect(await texts(ann, user("Cid"), firstBob.id)).toEqual([]);
      });

      it("list what a user may see after an id: the group and their own private messages", async () => {
        const { messages } = await fresh();
        const [ann, bob, cid] = [user("Ann"), user("Bob"), user("Cid")];
        const first = (await messages.append(message(ann, null, "g1"))).message.id;
        await messages.append(message(bob, cid, "bob to cid"));
        await messages.append(message(bob, ann, "bob to ann"));
        await messages.append(message(ann, cid, "ann to cid"));
        await messages.append(message(cid, null, "g2"));
        const texts = async (after: number | null, limit = 10) =>
          (await messages.visibleAfter(ann.id, after, limit)).map((m) => m.text);
        expect(await texts(null)).toEqual(["g1", "bob to ann", "ann to cid", "g2"]);
        expect(await texts(first)).toEqual(["bob to ann", "ann to cid", "g2"]);
        expect(await texts(first, 2)).toEqual(["bob to ann", "ann to cid"]);
      });

      it("list after an id, in id order, what each user may see across many conversations", async () => {
        const { messages } = await fresh();
        // Two holders of one name: each sees only what was sent to or by their own identity.
        const users = ["Ann", "Bob", "Cid", "Dee", "Eve", "Ann"].map(user);
        // Then a long stretch of Ann and Bob with the group, so that streams run past a first read.
        const appended = await Promise.all(
          Array.from({ length: 120 }, (_, i) => {
            const from = users[i < 60 ? i % users.length : i % 2] as User;
            const spread = users[(i * 5 + 1 + (i % 3)) % users.length] as User;
            const to = i % 7 === 0 || (i >= 60 && i % 3 === 0) ? null : i < 60 ? spread : users[(i + 1) % 2];
            return messages.append(message(from, to === from ? null : (to as User | null), `m${i}`));
          }),
        );
        const all = appended.map((result) => result.message).sort((a, b) => a.id - b.id);
        for (const viewer of users) {
          const visible = all.filter(
            (m) => m.toId === null || m.fromId === viewer.id || m.toId === viewer.id,
          );
          for (const after of [null, ...visible.filter((_, i) => i % 4 === 1).map((m) => m.id)]) {
            for (const limit of [1, 3, 100]) {
              const expected = visible.filter((m) => after === null || m.id > after).slice(0, limit);
              const listed = await messages.visibleAfter(viewer.id, after, limit);
              expect(listed.map((m) => m.text)).toEqual(expected.map((m) => m.text));
            }
          }
        }
      });

      it("survive closing and reopening the store", async () => {
        const storage = await fresh();
        const ann = user("Ann");
        await storage.sessions.create(ann, "hash-durable", 1);
        const pending = Array.from({ length: 50 }, (_, i) =>
          storage.messages.append(message(ann, null, `d${i}`)),
        );
        const acked = await Promise.all(pending);
        await storage.close();
        opened.splice(opened.indexOf(storage), 1);

        const reopened = await open();
        expect(await reopened.sessions.findByTokenHash("hash-durable")).toEqual(ann);
        const page = await reopened.messages.page(ann.id, null, null, 100);
        expect(page.map((m) => m.id)).toEqual(acked.map((r) => r.message.id));
        const next = await reopened.messages.append(message(ann, null, "after restart"));
        expect(next.message.id).toBeGreaterThan(acked.at(-1)?.message.id ?? 0);
      });

      it("commit on close the writes accepted but not yet durable, logins and messages alike", async () => {
        const storage = await fresh();
        const ann = user("Ann");
        const created = storage.sessions.create(ann, "hash-on-close", 1);
        const appended = storage.messages.append(message(ann, null, "accepted before close"));
        await storage.close();
        opened.splice(opened.indexOf(storage), 1);
        await Promise.all([created, appended]);

        const reopened = await open();
        expect(await reopened.sessions.findByTokenHash("hash-on-close")).toEqual(ann);
        const page = await reopened.messages.page(ann.id, null, null, 10);
        expect(page.map((m) => m.text)).toEqual(["accepted before close"]);
      });
    });
  });
}
