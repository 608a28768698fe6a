import type { ChatMessage, MessageId } from "@chat/shared";
import type { AppendResult, MessageStore, NewMessage } from "../../messages/store.js";
import type { UserId } from "../../users.js";
import type { RedisClient } from "./client.js";
import { lua, reply } from "./lua.js";

/*
 * Keys, under the prefix P (message ids are their own scores in every index):
 *   P messages:seq                         the last id given (INCR: one global order for every process)
 *   P messages                             hash: id -> the message without its id, as JSON
 *   P messages:by-client                   hash: "<sender id> <clientId>" -> id (the dedupe index)
 *   P messages:group                       sorted set: the group chat
 *   P messages:sent:<user id>:<name key>   sorted set: what the user sent to whoever held that name
 *   P messages:received:<user id>:<key>    sorted set: what the user received from whoever held that name
 *   P messages:private:<user id>           sorted set: every private message the user sent or received
 * User ids never contain ':', so a name key after one cannot be mistaken for part of it.
 */

/** The message as stored: everything but the id, which is its key. */
type StoredMessage = Omit<ChatMessage, "id">;

const toMessage = (id: number, json: string): ChatMessage => ({ id, ...(JSON.parse(json) as StoredMessage) });

export const messageScripts = {
  /**
   * ARGV: P, from id, from key, to id ('' for the group), to key, clientId, stored message.
   * Dedupe check, id and every index in one atomic step. Replies {duplicate 0/1, id, stored message}.
   */
  messageAppend: lua(
    `local P, from, to, clientId = ARGV[1], ARGV[2], ARGV[4], ARGV[6]
local MESSAGES, BY_CLIENT = P .. 'messages', P .. 'messages:by-client'
local field = from .. ' ' .. clientId
local original = redis.call('HGET', BY_CLIENT, field)
if original then return {1, tonumber(original), redis.call('HGET', MESSAGES, original)} end
local id = redis.call('INCR', P .. 'messages:seq')
redis.call('HSET', MESSAGES, id, ARGV[7])
redis.call('HSET', BY_CLIENT, field, id)
if to == '' then
  redis.call('ZADD', P .. 'messages:group', id, id)
else
  redis.call('ZADD', P .. 'messages:sent:' .. from .. ':' .. ARGV[5], id, id)
  redis.call('ZADD', P .. 'messages:received:' .. to .. ':' .. ARGV[3], id, id)
  redis.call('ZADD', P .. 'messages:private:' .. from, id, id)
  redis.call('ZADD', P .. 'messages:private:' .. to, id, id)
end
return {0, id, ARGV[7]}`,
    (value): AppendResult => {
      const [duplicate, id, json] = reply.array(value);
      return {
        message: toMessage(reply.integer(id), reply.string(json)),
        duplicate: reply.integer(duplicate) === 1,
      };
    },
  ),
  /**
   * ARGV: P, 'asc' or 'desc', bound, limit, index keys (without P). Merges the indexes (which never share
   * an id) from the bound on, in that direction; replies with at most `limit` {id, message} pairs, oldest
   * first, in one round trip.
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
    (value): ChatMessage[] => {
      const flat = reply.array(value);
      const messages: ChatMessage[] = [];
      for (let i = 0; i < flat.length; i += 2) {
        messages.push(toMessage(reply.integer(flat[i]), reply.string(flat[i + 1])));
      }
      return messages;
    },
  ),
};

/**
 * Messages in Redis, ordered by one INCR counter. An append resolves once Redis has executed it and
 * replied; what that reply means on disk is Redis's AOF setting (appendfsync always: fsynced first).
 * Concurrent appends share the connection and node-redis writes them out together (pipelining).
 */
export class RedisMessageStore implements MessageStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
  ) {}

  append({ from, to, text, sentAt, clientId }: NewMessage): Promise<AppendResult> {
    const stored: StoredMessage = { from: from.name, to: to?.name ?? null, text, sentAt, clientId };
    return this.redis.messageAppend(
      this.prefix,
      from.id,
      from.key,
      to?.id ?? "",
      to?.key ?? "",
      clientId,
      JSON.stringify(stored),
    );
  }

  async findByClientId(from: UserId, clientId: string): Promise<ChatMessage | null> {
    const id = await this.redis.hGet(`${this.prefix}messages:by-client`, `${from} ${clientId}`);
    const json = id === null ? null : await this.redis.hGet(`${this.prefix}messages`, id);
    return id === null || json === null ? null : toMessage(Number(id), json);
  }

  page(
    viewer: UserId,
    peerKey: string | null,
    before: MessageId | null,
    limit: number,
  ): Promise<ChatMessage[]> {
    const indexes =
      peerKey === null
        ? ["messages:group"]
        : [`messages:sent:${viewer}:${peerKey}`, `messages:received:${viewer}:${peerKey}`];
    const bound = before === null ? "+inf" : `(${before}`;
    return this.redis.messageCollect(this.prefix, "desc", bound, String(limit), ...indexes);
  }

  visibleAfter(viewer: UserId, after: MessageId | null, limit: number): Promise<ChatMessage[]> {
    const bound = after === null ? "-inf" : `(${after}`;
    return this.redis.messageCollect(
      this.prefix,
      "asc",
      bound,
      String(limit),
      "messages:group",
      `messages:private:${viewer}`,
    );
  }
}
