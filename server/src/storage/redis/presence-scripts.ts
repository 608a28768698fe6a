import type { AttachResult, ClaimResult } from "../../presence/store.js";
import { lua, reply } from "./lua.js";

/*
 * Keys, under the prefix P:
 *   P presence:users             hash: user id -> the listed user, as JSON
 *   P presence:names             hash: name key -> id of the user holding it
 *   P presence:sockets:<id>      set: "<node id>|<socket id>" of each of the user's sockets
 *   P presence:graces            sorted set: user id -> when their grace window ends (Redis clock, ms)
 *   P presence:grace-tokens      hash: user id -> token of their grace window (from presence:grace-seq)
 *   P presence:away              set: ids of the listed users shown as away
 *   P presence:away-at           sorted set: user id -> when they are due to be shown away (Redis clock, ms)
 *   P nodes                      set: ids of the processes that have announced themselves
 *   P node:<node id>             the process's lease, renewed by its heartbeat; expires when it dies
 */
const PRELUDE = `
local P = ARGV[1]
local USERS, NAMES = P .. 'presence:users', P .. 'presence:names'
local GRACES, GRACE_TOKENS = P .. 'presence:graces', P .. 'presence:grace-tokens'
local AWAY, AWAY_AT = P .. 'presence:away', P .. 'presence:away-at'
local function socketsOf(id) return P .. 'presence:sockets:' .. id end
local function now()
  local time = redis.call('TIME')
  return tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
end
-- Sockets count only while their process holds its lease; those of a dead process are forgotten.
local function liveSockets(id)
  local key, count = socketsOf(id), 0
  for _, member in ipairs(redis.call('SMEMBERS', key)) do
    if redis.call('EXISTS', P .. 'node:' .. string.match(member, '^[^|]*')) == 1 then
      count = count + 1
    else
      redis.call('SREM', key, member)
    end
  end
  return count
end
local function startGrace(id, graceMs, awayMs)
  local token = redis.call('INCR', P .. 'presence:grace-seq')
  redis.call('ZADD', GRACES, now() + graceMs, id)
  redis.call('HSET', GRACE_TOKENS, id, token)
  if awayMs then redis.call('ZADD', AWAY_AT, now() + awayMs, id) else redis.call('ZREM', AWAY_AT, id) end
  return token
end
local function endGrace(id)
  redis.call('ZREM', GRACES, id)
  redis.call('HDEL', GRACE_TOKENS, id)
  redis.call('ZREM', AWAY_AT, id)
end
local function release(id)
  local user = redis.call('HGET', USERS, id)
  if not user then return false end
  local key = cjson.decode(user).key
  if redis.call('HGET', NAMES, key) == id then redis.call('HDEL', NAMES, key) end
  redis.call('HDEL', USERS, id)
  redis.call('DEL', socketsOf(id))
  redis.call('SREM', AWAY, id)
  endGrace(id)
  return user
end
`;

const script = <Reply>(body: string, parse: (value: unknown) => Reply) => lua(PRELUDE + body, parse);

function claimResult(value: unknown): ClaimResult {
  const result = reply.stringOrNull(value);
  if (result === "joined" || result === "held" || result === "taken") return result;
  throw new TypeError(`unexpected claim result ${result}`);
}

function attachResult(value: unknown): AttachResult {
  const result = reply.string(value);
  if (result === "unlisted" || result === "attached" || result === "back") return result;
  throw new TypeError(`unexpected attach result ${result}`);
}

/** A listed user's JSON, and whether they are shown away. */
export interface ListedJson {
  json: string;
  away: boolean;
}

function listedPairs(value: unknown): ListedJson[] {
  const flat = reply.array(value);
  const listed: ListedJson[] = [];
  for (let i = 0; i < flat.length; i += 2)
    listed.push({ json: reply.string(flat[i]), away: flat[i + 1] === 1 });
  return listed;
}

export const presenceScripts = {
  /** ARGV: P, id, key, user JSON, window ms. */
  presenceClaim: script(
    `local id, key = ARGV[2], ARGV[3]
local holder = redis.call('HGET', NAMES, key)
if holder == id then return 'held' end
if holder then return 'taken' end
redis.call('HSET', NAMES, key, id)
redis.call('HSET', USERS, id, ARGV[4])
-- The window starts with the claim, not once the claiming process gets to it: with neither a socket nor
-- a window, a sweep that finds another process dead would take the newcomer for one it left, and show
-- them away. Should the claiming process die before a socket counts in, the sweep frees the name once
-- the window ends.
startGrace(id, tonumber(ARGV[5]), false)
return 'joined'`,
    claimResult,
  ),
  /** ARGV: P, name keys. Replies, for each key in order, its holder's JSON or null. */
  presenceHolders: script(
    `local holders = {}
for i = 2, #ARGV do
  local id = redis.call('HGET', NAMES, ARGV[i])
  holders[i - 1] = id and redis.call('HGET', USERS, id) or false
end
return holders`,
    (value) => reply.array(value).map(reply.stringOrNull),
  ),
  /** ARGV: P, id, socket member. Only a listed user's sockets are counted. */
  presenceAttach: script(
    `if redis.call('HEXISTS', USERS, ARGV[2]) == 0 then return 'unlisted' end
redis.call('SADD', socketsOf(ARGV[2]), ARGV[3])
endGrace(ARGV[2])
if redis.call('SREM', AWAY, ARGV[2]) == 1 then return 'back' end
return 'attached'`,
    attachResult,
  ),
  /** ARGV: P, id, socket member. */
  presenceDetach: script(
    `redis.call('SREM', socketsOf(ARGV[2]), ARGV[3])
return liveSockets(ARGV[2])`,
    reply.integer,
  ),
  /** ARGV: P, id. */
  presenceCount: script("return liveSockets(ARGV[2])", reply.integer),
  /** ARGV: P, id, grace ms, away ms ("" for never). */
  presenceStartGrace: script(
    `if redis.call('HEXISTS', USERS, ARGV[2]) == 0 then return redis.call('INCR', P .. 'presence:grace-seq') end
return startGrace(ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]))`,
    reply.integer,
  ),
  /** ARGV: P, id, grace token. */
  presenceEndGrace: script(
    `if redis.call('HGET', GRACE_TOKENS, ARGV[2]) ~= ARGV[3] or liveSockets(ARGV[2]) > 0 then return false end
return release(ARGV[2])`,
    reply.stringOrNull,
  ),
  /** ARGV: P, id, grace token. */
  presenceMarkAway: script(
    `if redis.call('HGET', GRACE_TOKENS, ARGV[2]) ~= ARGV[3] or liveSockets(ARGV[2]) > 0 then return false end
redis.call('ZREM', AWAY_AT, ARGV[2])
if redis.call('SADD', AWAY, ARGV[2]) == 0 then return false end
return redis.call('HGET', USERS, ARGV[2])`,
    reply.stringOrNull,
  ),
  /** ARGV: P. The listed users' JSON, then the ids of those away. */
  presenceOnline: script("return {redis.call('HVALS', USERS), redis.call('SMEMBERS', AWAY)}", (value) =>
    reply.array(value).map(reply.strings),
  ),
  /** ARGV: P, ids. Of each id listed, in order: its JSON, then whether it is away. */
  presenceListedAmong: script(
    `local listed = {}
for i = 2, #ARGV do
  local user = redis.call('HGET', USERS, ARGV[i])
  if user then
    listed[#listed + 1] = user
    listed[#listed + 1] = redis.call('SISMEMBER', AWAY, ARGV[i])
  end
end
return listed`,
    listedPairs,
  ),
  /** ARGV: P, id. */
  presenceRelease: script("return release(ARGV[2])", reply.stringOrNull),
  /** ARGV: P, grace ms. Resolves to the JSON of the users marked away, then of those released. */
  presenceSweep: script(
    `local graceMs = tonumber(ARGV[2])
local died = false
for _, node in ipairs(redis.call('SMEMBERS', P .. 'nodes')) do
  if redis.call('EXISTS', P .. 'node:' .. node) == 0 then
    redis.call('SREM', P .. 'nodes', node)
    died = true
  end
end
-- Whoever a dead process left listed without a live socket gets a grace window, as after any drop, and
-- is away at once: the lease that expired has outlasted any blip. (A user it claimed and never gave a
-- socket is in the window the claim started, and keeps it: its end frees the name. They are shown away
-- only when, like any window, it reaches its away time first.)
local away = {}
if died then
  for _, id in ipairs(redis.call('HKEYS', USERS)) do
    if liveSockets(id) == 0 and not redis.call('ZSCORE', GRACES, id) then
      startGrace(id, graceMs, false)
      if redis.call('SADD', AWAY, id) == 1 then table.insert(away, redis.call('HGET', USERS, id)) end
    end
  end
end
-- Due to be shown away by a process that stopped before its clock rang (a SIGTERM, say).
for _, id in ipairs(redis.call('ZRANGE', AWAY_AT, '-inf', now(), 'BYSCORE')) do
  redis.call('ZREM', AWAY_AT, id)
  if liveSockets(id) == 0 and redis.call('SADD', AWAY, id) == 1 then
    table.insert(away, redis.call('HGET', USERS, id))
  end
end
local released = {}
for _, id in ipairs(redis.call('ZRANGE', GRACES, '-inf', now(), 'BYSCORE')) do
  if liveSockets(id) == 0 then
    local user = release(id)
    if user then table.insert(released, user) end
  else
    endGrace(id)
  end
end
return {away, released}`,
    (value) => reply.array(value).map(reply.strings),
  ),
  /**
   * ARGV: P, node id, lease ms. Resolves to 0 when the lease had lapsed: the other processes may have
   * forgotten this one's sockets, which it must then count in again.
   */
  presenceHeartbeat: lua(
    `local P, node = ARGV[1], ARGV[2]
local held = redis.call('EXISTS', P .. 'node:' .. node)
redis.call('SET', P .. 'node:' .. node, '1', 'PX', ARGV[3])
redis.call('SADD', P .. 'nodes', node)
return held`,
    reply.integer,
  ),
};
