import type { ChatMessage, MessageId } from "@chat/shared";
import { uniqueNameKey } from "@chat/shared/name-skeleton";
import {
  type AppendResult,
  type ConversationPeer,
  type MessageStore,
  type NewMessage,
  withoutId,
} from "../../messages/store.js";
import type { UserId } from "../../users.js";
import { inChunks, TurnBatch } from "../turn-batch.js";
import type { RedisClient } from "./client.js";
import { lua, reply } from "./lua.js";
import { ParsedMessages, type StoredMessage, toMessage } from "./parsed-messages.js";

/*
 * Keys, under the prefix P (message ids are their own scores in every index):
 *   P messages:seq                         the last id given (INCR: one global order for every process)
 *   P messages                             hash: id -> the message without its id, as JSON
 *   P messages:by-client                   hash: "<sender id> <clientId>" -> id (the dedupe index)
 *   P messages:undelivered                 set: ids stored but not yet handed to every process's sockets
 *   P messages:group                       sorted set: the group chat
 *   P messages:sent:<user id>:<name key>   sorted set: what the user sent to whoever held that name
 *   P messages:received:<user id>:<key>    sorted set: what the user received from whoever held that name
 *   P messages:private:<user id>           sorted set: every private message the user sent or received
 *   P messages:between:<user id>:<peer id> sorted set: the user's private messages with that identity
 * User ids never contain ':', so a name key after one cannot be mistaken for part of it.
 */

/** Messages parsed and kept for reads: a sync's margin and a full page, for a few different margins. */
const PARSED_MESSAGES = 2000;

/** What the append script replies for one message (see messageAppend). */
export interface Appended {
  outcome: number;
  id: MessageId;
  original: string | null;
}

/** The most messages one append script writes. */
const APPEND_CHUNK = 500;

/** One message's ARGV of the append script: from id, from key, to id ('' for the group), to key, clientId, stored. */
function appendArguments(message: NewMessage): string[] {
  const { from, to, clientId } = message;
  const stored: StoredMessage = withoutId(message);
  return [from.id, from.key, to?.id ?? "", to?.key ?? "", clientId, JSON.stringify(stored)];
}

export const messageScripts = {
  /**
   * ARGV: P, then six per message (see appendArguments). For each message in turn, the dedupe check, the
   * id and every index in one atomic step; replies {0 new, 1 duplicate, 2 duplicate never delivered; id;
   * the original as stored, for a duplicate only} per message: a new one is what was sent.
   */
  messageAppend: lua(
    `local P = ARGV[1]
local MESSAGES, BY_CLIENT = P .. 'messages', P .. 'messages:by-client'
local UNDELIVERED = P .. 'messages:undelivered'
local function append(from, fromKey, to, toKey, clientId, stored)
  local field = from .. ' ' .. clientId
  local original = redis.call('HGET', BY_CLIENT, field)
  if original then
    local undelivered = redis.call('SISMEMBER', UNDELIVERED, original)
    return 1 + undelivered, tonumber(original), redis.call('HGET', MESSAGES, original)
  end
  local id = redis.call('INCR', P .. 'messages:seq')
  redis.call('HSET', MESSAGES, id, stored)
  redis.call('SADD', UNDELIVERED, id)
  redis.call('HSET', BY_CLIENT, field, id)
  if to == '' then
    redis.call('ZADD', P .. 'messages:group', id, id)
  else
    redis.call('ZADD', P .. 'messages:sent:' .. from .. ':' .. toKey, id, id)
    redis.call('ZADD', P .. 'messages:received:' .. to .. ':' .. fromKey, id, id)
    redis.call('ZADD', P .. 'messages:private:' .. from, id, id)
    redis.call('ZADD', P .. 'messages:private:' .. to, id, id)
    redis.call('ZADD', P .. 'messages:between:' .. from .. ':' .. to, id, id)
    redis.call('ZADD', P .. 'messages:between:' .. to .. ':' .. from, id, id)
  end
  return 0, id, false
end
local results = {}
for i = 2, #ARGV, 6 do
  local duplicate, id, stored = append(unpack(ARGV, i, i + 5))
  table.insert(results, duplicate)
  table.insert(results, id)
  table.insert(results, stored)
end
return results`,
    (value): Appended[] => {
      const flat = reply.array(value);
      const results: Appended[] = [];
      for (let i = 0; i < flat.length; i += 3) {
        const [outcome, id, original] = [reply.integer(flat[i]), reply.integer(flat[i + 1]), flat[i + 2]];
        results.push({ outcome, id, original: reply.stringOrNull(original) });
      }
      return results;
    },
  ),
  /**
   * ARGV: P, 'asc' or 'desc', bound, limit, index keys (without P). Merges the indexes (which never share
   * an id) from the bound on, in that direction; replies with at most `limit` {id, message} pairs, oldest
   * first, in one round trip. The messages come as stored, for the store to parse (ParsedMessages).
   */
  messageCollect: lua(
    `local P, desc, bound, limit = ARGV[1], ARGV[2] == 'desc', ARGV[3], tonumber(ARGV[4])
local ids = {}
for i = 5, #ARGV do
  local part
  if desc then
    part = redis.call('ZRANGE', P .. ARGV[i], bound, '-inf', 'BYSCORE', 'REV', 'LIMIT', 0, limit)
  else
    part = redis.call('ZRANGE', P .. ARGV[i], bound, '+inf', 'BYSCORE', 'LIMIT', 0, limit)
  end
  for _, id in ipairs(part) do table.insert(ids, tonumber(id)) end
end
table.sort(ids)
local first, last = 1, math.min(#ids, limit)
if desc then first, last = math.max(#ids - limit + 1, 1), #ids end
local page = {}
for i = first, last do
  table.insert(page, ids[i])
  table.insert(page, redis.call('HGET', P .. 'messages', ids[i]))
end
return page`,
    (value): { id: MessageId; json: string }[] => {
      const flat = reply.array(value);
      const messages: { id: MessageId; json: string }[] = [];
      for (let i = 0; i < flat.length; i += 2) {
        messages.push({ id: reply.integer(flat[i]), json: reply.string(flat[i + 1]) });
      }
      return messages;
    },
  ),
};

/**
 * Messages in Redis, ordered by one INCR counter. Appends are group-committed like SQLite's: those of
 * one turn of the event loop go as one script; each resolves once Redis has run it and replied. What that
 * reply means on disk is Redis's AOF setting (with appendfsync always, it was fsynced first).
 */
export class RedisMessageStore implements MessageStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
  ) {}

  private readonly parsed = new ParsedMessages(PARSED_MESSAGES);

  private readonly appends = new TurnBatch<NewMessage, AppendResult>((batch) => this.write(batch));

  private readonly deliveries = new TurnBatch<MessageId, void>(async (ids) => {
    await this.redis.sRem(`${this.prefix}messages:undelivered`, ids.map(String));
    return ids.map(() => undefined);
  });

  append(message: NewMessage): Promise<AppendResult> {
    return this.appends.add(message);
  }

  delivered(id: MessageId): Promise<void> {
    return this.deliveries.add(id);
  }

  /** Writes everything queued; for close. */
  async flush(): Promise<void> {
    await this.appends.flush();
    await this.deliveries.flush();
  }

  /** A batch as scripts of at most APPEND_CHUNK messages each. */
  private async write(batch: NewMessage[]): Promise<AppendResult[]> {
    const appended = await inChunks(batch, APPEND_CHUNK, (chunk) =>
      this.redis.messageAppend(this.prefix, ...chunk.flatMap(appendArguments)),
    );
    return appended.map(({ outcome, id, original }, i) => ({
      message: original === null ? { id, ...withoutId(batch[i] as NewMessage) } : toMessage(id, original),
      duplicate: outcome > 0,
      undelivered: outcome === 2,
    }));
  }

  async findByClientId(from: UserId, clientId: string): Promise<ChatMessage | null> {
    const id = await this.redis.hGet(`${this.prefix}messages:by-client`, `${from} ${clientId}`);
    const json = id === null ? null : await this.redis.hGet(`${this.prefix}messages`, id);
    return id === null || json === null ? null : toMessage(Number(id), json);
  }

  async page(
    viewer: UserId,
    peer: ConversationPeer | null,
    before: MessageId | null,
    limit: number,
  ): Promise<ChatMessage[]> {
    let indexes: string[];
    if (peer === null) indexes = ["messages:group"];
    else if (peer.id === null) {
      indexes = [`messages:sent:${viewer}:${peer.key}`, `messages:received:${viewer}:${peer.key}`];
    } else indexes = [`messages:between:${viewer}:${peer.id}`];
    const bound = before === null ? "+inf" : `(${before}`;
    const messages = this.parse(
      await this.redis.messageCollect(this.prefix, "desc", bound, String(limit), ...indexes),
    );
    // Indexed by identity alone: that identity's messages only if it holds the name asked for (an identity
    // keeps its name), as the protocol says and as SQLite, whose index is by name, answers.
    const [first] = messages;
    if (!peer?.id || !first) return messages;
    const peerName = first.fromId === viewer ? (first.to ?? "") : first.from;
    return uniqueNameKey(peerName) === peer.key ? messages : [];
  }

  async visibleAfter(viewer: UserId, after: MessageId | null, limit: number): Promise<ChatMessage[]> {
    const bound = after === null ? "-inf" : `(${after}`;
    const indexes = ["messages:group", `messages:private:${viewer}`];
    return this.parse(await this.redis.messageCollect(this.prefix, "asc", bound, String(limit), ...indexes));
  }

  private parse(stored: { id: MessageId; json: string }[]): ChatMessage[] {
    return stored.map(({ id, json }) => this.parsed.get(id, json));
  }
}
