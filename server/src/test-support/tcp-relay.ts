import { once } from "node:events";
import { createConnection, createServer, type Socket } from "node:net";
import { Transform } from "node:stream";

/** A loopback TCP relay in front of a server, whose connections a test can cut all at once. */
export interface TcpRelay {
  port: number;
  url: string;
  /** Connections accepted so far, cut or not. */
  readonly accepted: number;
  /** Connections currently relayed. */
  readonly live: number;
  /**
   * A network drop: resets both sides of every relayed connection, so bytes still in flight are lost and
   * neither end gets a goodbye. Returns how many connections were cut. New connections are accepted as usual.
   */
  cutAll(): number;
  /**
   * cutAll, only for the connections accepted as number `n` (1 the first) for which `which(n)` holds,
   * stalled ones included.
   */
  cutWhere(which: (n: number) => boolean): number;
  /**
   * A network path that stops without a word (a partition, a frozen host): every relayed connection stays
   * open and carries nothing more either way, so neither end learns anything until it gives up on its
   * own. Returns how many connections were stalled. New connections are relayed as usual.
   */
  stallAll(): number;
  /** stallAll, only for the connections accepted as number `n` (1 the first) for which `which(n)` holds. */
  stallWhere(which: (n: number) => boolean): number;
  /**
   * A stall at one precise moment of a conversation: the first connection whose client sends bytes holding
   * `marker` stalls, those bytes undelivered. Resolves with its number (as in stallWhere), or rejects
   * after timeoutMs.
   */
  stallOnSending(marker: string, timeoutMs: number): Promise<number>;
  /** Resolves at the next accepted connection, or rejects after timeoutMs. */
  nextConnection(timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

interface Pair {
  client: Socket;
  /** Between client and upstream: carries the client's bytes, unless they hold a marker being waited for. */
  gate: Transform;
  upstream: Socket;
  /** Accepted as the relay's n-th connection. */
  n: number;
}

/** Listens on 127.0.0.1 (ephemeral port) and pipes every connection to 127.0.0.1:targetPort. */
export async function startTcpRelay(targetPort: number): Promise<TcpRelay> {
  const pairs = new Set<Pair>();
  const stalled = new Set<Pair>();
  const waiters = new Set<() => void>();
  const markers = new Map<string, (n: number) => void>();
  let accepted = 0;

  const cut = (pair: Pair) => {
    pairs.delete(pair);
    stalled.delete(pair);
    // RST rather than FIN: a dropped network does not close connections politely.
    for (const socket of [pair.client, pair.upstream]) {
      if (!socket.destroyed) socket.resetAndDestroy();
    }
  };

  const cutWhere = (which: (n: number) => boolean) => {
    const chosen = [...pairs, ...stalled].filter((pair) => which(pair.n));
    for (const pair of chosen) cut(pair);
    return chosen.length;
  };

  const stall = (pair: Pair) => {
    pairs.delete(pair);
    stalled.add(pair);
    pair.client.unpipe(pair.gate);
    pair.upstream.unpipe(pair.client);
    pair.client.pause();
    pair.upstream.pause();
  };

  const stallWhere = (which: (n: number) => boolean) => {
    const chosen = [...pairs].filter((pair) => which(pair.n));
    for (const pair of chosen) stall(pair);
    return chosen.length;
  };

  /** Carries a client's bytes on, except those holding a marker a test waits for: then `hold` instead. */
  const gate = (n: number, hold: () => void) =>
    new Transform({
      transform(chunk: Buffer, _encoding, done) {
        const marker = [...markers.keys()].find((text) => chunk.includes(text));
        if (marker === undefined) return done(null, chunk);
        markers.get(marker)?.(n);
        markers.delete(marker);
        hold();
        done();
      },
    });

  const server = createServer((client) => {
    accepted++;
    const upstream = createConnection({ host: "127.0.0.1", port: targetPort });
    const pair: Pair = { client, upstream, n: accepted, gate: gate(accepted, () => stall(pair)) };
    pairs.add(pair);
    client.pipe(pair.gate).pipe(upstream);
    upstream.pipe(client);
    // Either side ending or failing ends the pair: the relay never holds a half-open connection.
    for (const socket of [client, upstream]) {
      socket.on("error", () => cut(pair));
      socket.on("close", () => cut(pair));
    }
    for (const wake of [...waiters]) wake();
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as { port: number };

  return {
    port,
    url: `http://127.0.0.1:${port}`,
    get accepted() {
      return accepted;
    },
    get live() {
      return pairs.size;
    },
    cutAll: () => cutWhere(() => true),
    cutWhere,
    stallAll: () => stallWhere(() => true),
    stallWhere,
    stallOnSending(marker, timeoutMs) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          markers.delete(marker);
          reject(new Error(`relay: nothing sent held "${marker}" within ${timeoutMs} ms`));
        }, timeoutMs);
        markers.set(marker, (n) => {
          clearTimeout(timer);
          resolve(n);
        });
      });
    },
    nextConnection(timeoutMs) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(wake);
          reject(new Error(`relay: no new connection within ${timeoutMs} ms`));
        }, timeoutMs);
        const wake = () => {
          clearTimeout(timer);
          waiters.delete(wake);
          resolve();
        };
        waiters.add(wake);
      });
    },
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const pair of [...pairs, ...stalled]) cut(pair);
      await closed;
    },
  };
}
