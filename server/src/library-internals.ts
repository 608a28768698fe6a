/**
 * Members that Socket.IO (with its adapter and parser), Engine.IO, ws and rate-limiter-flexible keep out of
 * their typings, which this server reaches for speed or safety:
 * - transport/write-path/engine-internals.ts: an Engine.IO connection's write buffer and transport, and the
 *   TCP socket under ws's WebSocket (per connection, so checked by the write-path tests, not at start);
 * - transport/write-path/single-buffer-frames.ts: the adapter's `_encode`;
 * - transport/write-path/json-only-parser.ts: the parser's `encodeAsString`;
 * - transport/recovery-adapter.ts: the adapter's `sessions` and `packets`, and a socket's `packet`;
 * - storage/redis/retried-publishes.ts: the cluster adapter's `publishAndReturnOffset`;
 * - storage/redis/limiters.ts: rate-limiter-flexible's `_inMemoryBlockedKeys`.
 * server/package.json pins these libraries to exact versions: upgrade them on purpose, and read these again.
 */

/**
 * Throws, naming it, when `holder` lacks a private `member` of `library`: each use checks as the server
 * starts, so that an upgrade which renamed one fails there rather than at the first broadcast, or not at
 * all while a safeguard is silently off.
 */
export function requireInternal(holder: object, member: string, library: string): void {
  if (!(member in holder))
    throw new Error(`${library} no longer has \`${member}\`: see server/src/library-internals.ts`);
}
