import type { SessionStore } from "../../sessions/store.js";
import type { User, UserId } from "../../users.js";
import type { RedisClient } from "./client.js";
import { lua, reply } from "./lua.js";
import { parseUserOrNull } from "./stored-user.js";

/*
 * Keys, under the prefix P:
 *   P session:token:<token hash>  the live session's user, as JSON; ENDED_TOKEN once the session ended
 *   P session:ended:<token hash>  the ended session's user, as JSON (none if it ended under an earlier release)
 *   P session:user:<user id>      hash: name, key, tokenHash, createdAt, endedAt
 *   P session:live:<name key>     set: ids of the live sessions with this name key
 *   P session:names               set: every name key ever used
 */
/**
 * What the key of an ended session's token holds: kept, so that the token can never come back. Its user is
 * kept apart, under session:ended, where releases that read ENDED_TOKEN alone (rolled back to) never look.
 */
const ENDED_TOKEN = "ended";

const END_SESSION = `
local P = ARGV[1]
local function endSession(id, now)
  local session = P .. 'session:user:' .. id
  local tokenHash, key, endedAt = unpack(redis.call('HMGET', session, 'tokenHash', 'key', 'endedAt'))
  if not tokenHash or endedAt then return end
  local token = P .. 'session:token:' .. tokenHash
  local user = redis.call('GET', token)
  if user then redis.call('SET', P .. 'session:ended:' .. tokenHash, user) end
  redis.call('SET', token, '${ENDED_TOKEN}')
  redis.call('HSET', session, 'endedAt', now)
  redis.call('SREM', P .. 'session:live:' .. key, id)
end
`;

export const sessionScripts = {
  /**
   * ARGV: P, id, name, key, tokenHash, now, user JSON. Ends the name's other sessions, then creates; 0, doing
   * nothing, when a session already had the token hash.
   */
  sessionCreate: lua(
    `${END_SESSION}
local id, key, now = ARGV[2], ARGV[4], ARGV[6]
if redis.call('EXISTS', P .. 'session:token:' .. ARGV[5]) == 1 then return 0 end
for _, other in ipairs(redis.call('SMEMBERS', P .. 'session:live:' .. key)) do
  if other ~= id then endSession(other, now) end
end
redis.call('HSET', P .. 'session:user:' .. id, 'name', ARGV[3], 'key', key, 'tokenHash', ARGV[5], 'createdAt', now)
redis.call('SET', P .. 'session:token:' .. ARGV[5], ARGV[7])
redis.call('SADD', P .. 'session:live:' .. key, id)
redis.call('SADD', P .. 'session:names', key)
return 1`,
    reply.integer,
  ),
  /** ARGV: P, id, now. */
  sessionEnd: lua(
    `${END_SESSION}
endSession(ARGV[2], ARGV[3])
return 1`,
    reply.integer,
  ),
};

export class RedisSessionStore implements SessionStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
  ) {}

  async create(user: User, tokenHash: string, now: number): Promise<boolean> {
    const { id, name, key } = user;
    const created = await this.redis.sessionCreate(
      this.prefix,
      id,
      name,
      key,
      tokenHash,
      String(now),
      JSON.stringify({ id, name, key }),
    );
    return created === 1;
  }

  async tokenUsed(tokenHash: string): Promise<boolean> {
    return (await this.redis.exists(`${this.prefix}session:token:${tokenHash}`)) === 1;
  }

  async findByTokenHash(tokenHash: string): Promise<User | null> {
    const found = await this.redis.get(`${this.prefix}session:token:${tokenHash}`);
    return found === ENDED_TOKEN ? null : parseUserOrNull(found);
  }

  async findEndedByTokenHash(tokenHash: string): Promise<User | null> {
    return parseUserOrNull(await this.redis.get(`${this.prefix}session:ended:${tokenHash}`));
  }

  async end(id: UserId, now: number): Promise<void> {
    await this.redis.sessionEnd(this.prefix, id, String(now));
  }

  async isKnownName(key: string): Promise<boolean> {
    return (await this.redis.sIsMember(`${this.prefix}session:names`, key)) === 1;
  }
}
