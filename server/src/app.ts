import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { requestParsers } from "@chat/shared";
import { type Logger, pino } from "pino";
import { DEFAULTS } from "./defaults.js";
import { createRequestListener } from "./http/routes.js";
import { guardStalledConnections } from "./http/stalled-connections.js";
import { ConnectionLimits } from "./limits/connection-limits.js";
import { type LimiterBackend, memoryLimiters } from "./limits/limiter-backend.js";
import { LoadShedding } from "./limits/load-shedding.js";
import type { OnLimited } from "./limits/rate-limited.js";
import { RefusalCut } from "./limits/refusal-cut.js";
import { requestThrottles } from "./limits/request-limits.js";
import { DEFAULT_LIMITS, type Limits } from "./limits/settings.js";
import { Messages } from "./messages/messages.js";
import { ChatMetrics } from "./observability/metrics.js";
import { timedStorage } from "./observability/store-timing.js";
import { ThrottledWarning } from "./observability/throttled-warning.js";
import { Presence } from "./presence/presence.js";
import { PresenceRounds } from "./presence/presence-rounds.js";
import { Sessions } from "./sessions/sessions.js";
import type { Storage } from "./storage/storage.js";
import { aboutSocket } from "./transport/acks.js";
import { onConnection } from "./transport/connection.js";
import { DeadlinePassed, Deadlines } from "./transport/deadlines.js";
import { type FailureContext, logFailure } from "./transport/failures.js";
import { admit, authenticate } from "./transport/handshake.js";
import { type AdapterFactory, createIo, disconnectIdentity, type Heartbeat } from "./transport/io.js";
import { messageDelivery } from "./transport/message-delivery.js";
import type { ChatIo } from "./transport/types.js";

export interface ChatServerOptions {
  storage: Storage;
  /** How long a user with no socket keeps their name and stays listed. */
  presenceGraceMs?: number;
  /** How long a user with no socket is still shown as connected before `user:away`. */
  presenceAwayMs?: number;
  /** How often, at most, the online list's changes go out while people keep coming and going. */
  presenceRoundMs?: number;
  /** How often a store shared with other processes is swept for users a dead process left listed. */
  presenceSweepMs?: number;
  /** How broadcasts reach the sockets of other processes (the Redis Streams adapter); none: one process. */
  adapter?: AdapterFactory;
  /** The built client to serve; null serves only the API. */
  clientDir?: string | null;
  /** Any limit not given keeps its default (DEFAULT_LIMITS). */
  limits?: Partial<Limits>;
  /** Where rate limiters count; in this process's memory unless a shared store is given. */
  limiterBackend?: LimiterBackend;
  /** Origins whose pages may connect: [] (default) the server's own, ["*"] any. */
  allowedOrigins?: readonly string[];
  logger?: Logger;
  /** Where the app lives behind a reverse proxy: "/" or a sub-path such as "/chat/". */
  basePath?: string;
  /** Reverse proxies in front of us whose X-Forwarded-For entries are believed; 0 ignores the header. */
  trustProxyHops?: number;
  /** This node's name in a cluster, so the proxy can route a long-polling session back to it. */
  nodeId?: string;
  /** How long a request, handshake or readiness check may wait for the stores (see Deadlines). */
  requestDeadlineMs?: number;
  /** How often clients are pinged, and how long they have to answer (Engine.IO's defaults if not given). */
  heartbeat?: Heartbeat;
}

export interface ChatServer {
  io: ChatIo;
  listen(port: number, host?: string): Promise<AddressInfo>;
  /**
   * Stops being ready (`/readyz` says 503) and serves on: a load balancer that polls readiness sends new
   * clients elsewhere before close() stops accepting them.
   */
  drain(): void;
  /**
   * Graceful: stops accepting, closes every connection (clients reconnect elsewhere), flushes, closes the
   * store. Resolves to whether the store confirmed every write in time (false: some may be lost).
   */
  close(): Promise<boolean>;
  /**
   * Every client catches up, what this process passed on being incomplete: their transports close (not
   * their sockets, which clients take for a logout), they reconnect at once, `sync` their messages and
   * are sent the whole online list.
   */
  resync(): void;
}

/** At most one warning per this long about a store failing requests, however many fail. */
const STORE_WARNING_INTERVAL_MS = 10_000;

export function createChatServer(options: ChatServerOptions): ChatServer {
  const log = options.logger ?? pino({ level: "silent" });
  const limits: Limits = { ...DEFAULT_LIMITS, ...options.limits };
  const metrics = new ChatMetrics();
  const storage = timedStorage(options.storage, metrics.storeLatency);
  const graceMs = options.presenceGraceMs ?? DEFAULTS.presenceGraceMs;
  const basePath = options.basePath ?? "/";
  const trustProxyHops = options.trustProxyHops ?? 0;
  const heartbeat = options.heartbeat ?? DEFAULTS.heartbeat;
  let closing = false;
  const deadlines = new Deadlines(options.requestDeadlineMs ?? DEFAULTS.requestDeadlineMs, (count) =>
    log.warn({ requests: count }, "the store left requests unanswered past their deadline"),
  );

  const onLimited: OnLimited = (limit, key) => {
    metrics.limited(limit);
    log.debug({ limit, key }, "rate limited");
  };
  const backend = options.limiterBackend ?? memoryLimiters;
  const connectionLimits = new ConnectionLimits(limits, backend, onLimited);
  const throttles = requestThrottles(limits, backend, onLimited);
  const parsers = requestParsers(limits);

  const http = createServer(
    {
      headersTimeout: limits.httpRequestTimeoutMs,
      requestTimeout: limits.httpRequestTimeoutMs,
      // How often Node looks for requests past those times: by default every 30 s, on top of them.
      connectionsCheckingInterval: Math.min(1000, limits.httpRequestTimeoutMs),
    },
    createRequestListener({
      clientDir: options.clientDir ?? null,
      basePath,
      ready: async () => !closing && (await deadlines.within(storage.ping()).then(() => true)),
      metrics: () => metrics.exposition(),
    }),
  );
  const io = createIo(http, {
    path: `${basePath}socket.io`,
    nodeId: options.nodeId,
    adapter: options.adapter,
    trustProxyHops,
    // A socket recovered after the grace window would find its user already announced as gone.
    recoveryWindowMs: Math.min(graceMs, DEFAULTS.recoveryWindowMs),
    recoveryMaxPackets: limits.recoveryMaxPackets,
    maxHttpBufferSize: limits.maxHttpBufferSize,
    maxUnreadBytes: limits.maxUnreadBytes,
    onLimited,
    allowedOrigins: options.allowedOrigins ?? [],
    connectionLimits,
    heartbeat,
  });
  // After createIo: Engine.IO moves the request listeners it finds behind its own, and this one's must
  // see each request first.
  guardStalledConnections(http, {
    idleMs: heartbeat.intervalMs + heartbeat.timeoutMs,
    connectionLimits,
    behindProxy: trustProxyHops > 0,
  });
  const shedding = new LoadShedding(limits.overloadTargetMs, onLimited, (refusing, limit) => {
    if (refusing)
      log.warn({ inFlightLimit: limit }, "overloaded: refusing requests beyond what it finishes in time");
    else log.info({ inFlightLimit: limit }, "no longer overloaded: taking every request again");
  });
  /** What every request's handling needs besides its own concern: to log, time out, shed, count. */
  const requestContext = {
    log,
    unreachable: storage.unreachable,
    storeFailed: storeFailureReport(log, metrics),
    deadlines,
    shedding,
    metrics,
  };
  const refusals = new RefusalCut(limits.refusalsPerConnection, (socketId) => {
    const socket = io.of("/").sockets.get(socketId);
    // Refusals of requests under way when it was cut come after the cut: one is enough.
    if (socket?.conn.readyState !== "open") return;
    onLimited("refusals", socket.data.user.id);
    log.warn({ ...aboutSocket(socket) }, "cut a connection that kept asking after its refusals");
    socket.conn.close();
  });
  const presenceRounds = new PresenceRounds(io, storage.presence, log, {
    clustered: options.adapter !== undefined,
    roundMs: options.presenceRoundMs ?? DEFAULTS.presenceRoundMs,
  });
  const presence = new Presence(storage.presence, presenceRounds, {
    graceMs,
    awayMs: options.presenceAwayMs ?? DEFAULTS.presenceAwayMs,
    sweepMs: options.presenceSweepMs ?? DEFAULTS.presenceSweepMs,
    // Its transport, not the socket: the client reconnects (a deliberate disconnect reads as a logout).
    dropSocket: (socketId) => io.of("/").sockets.get(socketId)?.conn.close(),
    logFailure: (error, about) => logFailure(requestContext, error, about, "presence failed"),
  });
  const sessions = new Sessions(storage.sessions, presence);
  const messages = new Messages(storage.messages, presence, sessions, messageDelivery(io, metrics));
  metrics.watch({
    connectedSockets: () => io.of("/").sockets.size,
    // The count alone: a scrape, open to anyone who reaches the node, need not read the whole list.
    onlineUsers: async () => (await deadlines.within(storage.presence.listedAmong([]))).count,
    presencePending: () => presenceRounds.pending,
  });

  io.use(admit(connectionLimits, trustProxyHops, requestContext));
  io.use(authenticate(sessions, parsers, requestContext, (user) => disconnectIdentity(io, user)));
  io.on(
    "connection",
    onConnection({
      io,
      sessions,
      presence,
      presenceRounds,
      messages,
      ...requestContext,
      parsers,
      throttles,
      refusals,
    }),
  );

  /**
   * Waits for `work` at most a request's deadline: a stalled store would hold a shutdown for as long as it
   * stalls. Resolves to whether it finished.
   */
  async function finishInTime(work: Promise<void>, lateMessage: string): Promise<boolean> {
    try {
      await deadlines.within(work);
      return true;
    } catch (error) {
      if (!(error instanceof DeadlinePassed)) throw error;
      log.error({ err: error }, lateMessage);
      return false;
    }
  }

  return {
    io,
    drain() {
      closing = true;
    },
    resync() {
      presenceRounds.forgetChanges();
      for (const socket of io.of("/").sockets.values()) socket.conn.close();
    },
    listen: (port, host = DEFAULTS.host) =>
      new Promise((resolve, reject) => {
        http.once("error", reject);
        http.listen(port, host, () => resolve(http.address() as AddressInfo));
      }),
    async close() {
      closing = true;
      try {
        // With other processes, their clients are owed the changes this one still holds for its next round.
        await finishInTime(
          presenceRounds.flush(),
          "the presence changes held for a round did not go out in time",
        );
        await new Promise<void>((resolve) => {
          io.close(() => resolve());
          http.closeAllConnections();
        });
        const drained = (async () => {
          await presenceRounds.stop();
          await presence.stop();
          await storage.close();
        })();
        // What the store has not confirmed by the deadline was never acknowledged to a client, which
        // resends it to another process.
        return await finishInTime(drained, "the store did not finish closing in time");
      } finally {
        deadlines.stop();
      }
    },
  };
}

/**
 * A passing store failure (see logFailure) is counted, and warned of at most once per
 * STORE_WARNING_INTERVAL_MS: a full disk says nothing else at the default level.
 */
function storeFailureReport(log: Logger, metrics: ChatMetrics): FailureContext["storeFailed"] {
  const warning = new ThrottledWarning(
    log,
    "the store is failing requests for now; clients are told to try again",
    STORE_WARNING_INTERVAL_MS,
  );
  return (kind, error, about) => {
    metrics.storeFailed(kind);
    warning.warn({ ...about, kind, err: error });
  };
}
