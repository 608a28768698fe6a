import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Storage } from "@chat/server";
import { uniqueNameKey } from "@chat/shared/name-skeleton";

type NewMessage = Parameters<Storage["messages"]["append"]>[0];

const USERS = 1_000;
/** Appends in flight at once: enough for the writer thread's batches to be as large as under load. */
const IN_FLIGHT = 2_000;

/**
 * `--stored=N`: a chat.db holding N private messages among 1,000 users, written once per run through the
 * server's own store, which every SQLite system then starts from. An empty store is the kindest case for
 * the writer: a server that has run for a while lands each insert among pages an empty one does not have.
 * `serverDist`: the earlier build of `--baseline`, which then writes it (see below).
 */
export async function storedMessages(
  count: number,
  serverDist?: string,
): Promise<{ file: string; remove(): void }> {
  const dir = mkdtempSync(join(tmpdir(), "chat-bench-stored-"));
  // Written by the earlier build when there is one (`--baseline`): a newer build migrates an older
  // store as it starts, and an older one refuses a store whose schema is newer than it.
  const server: typeof import("@chat/server") = await import(
    serverDist ? pathToFileURL(join(resolve(serverDist), "index.js")).href : "@chat/server"
  );
  const storage = await server.openSqliteStorage(dir);
  const users = Array.from({ length: USERS }, (_, i) => {
    const name = `Stored${i}`;
    return { id: randomBytes(12).toString("base64url"), name, key: uniqueNameKey(name) };
  });
  const anyone = () => users[Math.floor(Math.random() * USERS)] as NewMessage["from"];
  for (let written = 0; written < count; written += IN_FLIGHT) {
    const appends = Array.from({ length: Math.min(IN_FLIGHT, count - written) }, (_, i) =>
      storage.messages.append({
        from: anyone(),
        to: anyone(),
        text: "a message stored before the run",
        clientId: String(written + i),
        sentAt: Date.now(),
      }),
    );
    await Promise.all(appends);
  }
  await storage.close();
  const file = join(dir, "chat.db");
  return { file, remove: () => rmSync(dirname(file), { recursive: true, force: true }) };
}
