import { once } from "node:events";
import { createConnection, createServer, type Socket } from "node:net";

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
  /** Resolves at the next accepted connection, or rejects after timeoutMs. */
  nextConnection(timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

interface Pair {
  client: Socket;
  upstream: Socket;
  /** Accepted as the relay's n-th connection. */
  n: number;
}

/** Listens on 127.0.0.1 (ephemeral port) and pipes every connection to 127.0.0.1:targetPort. */
export async function startTcpRelay(targetPort: number): Promise<TcpRelay> {
  const pairs = new Set<Pair>();
  const stalled = new Set<Pair>();
  const waiters = new Set<() => void>();
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

  const stallWhere = (which: (n: number) => boolean) => {
    const chosen = [...pairs].filter((pair) => which(pair.n));
    for (const pair of chosen) {
      pairs.delete(pair);
      stalled.add(pair);
      pair.client.unpipe(pair.upstream);
      pair.upstream.unpipe(pair.client);
      pair.client.pause();
      pair.upstream.pause();
    }
    return chosen.length;
  };

  const server = createServer((client) => {
    accepted++;
    const upstream = createConnection({ host: "127.0.0.1", port: targetPort });
    const pair = { client, upstream, n: accepted };
    pairs.add(pair);
    client.pipe(upstream);
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
