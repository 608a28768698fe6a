import type { ClientToServerEvents, ErrorCode, Result } from "@chat/shared";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { LimitName } from "../limits/rate-limited.js";
import type { PassingFailure } from "../transport/failures.js";

let processRegistry: Registry | null = null;

/**
 * The process's own metrics — CPU, memory, GC and event-loop lag (`nodejs_eventloop_lag_*`) — registered
 * once per process however many chat servers run in it (tests start many).
 */
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/** Live values read at scrape time. */
export interface MetricSources {
  connectedSockets(): number;
  onlineUsers(): Promise<number>;
  presencePending(): number;
}

/** What an operator watches in Prometheus: one instance per chat server, exposed at GET /metrics. */
export class ChatMetrics {
  private readonly registry = new Registry();

  private readonly messagesSent = new Counter({
    name: "chat_messages_sent_total",
    help: "New messages stored and sent out (a resent clientId is not counted again).",
    labelNames: ["conversation"] as const,
    registers: [this.registry],
  });

  /** Counted once per socket of every broadcast, so a plain number; the counter takes it when scraped. */
  private deliveredSinceScrape = 0;

  private readonly messagesDelivered: Counter = new Counter({
    name: "chat_messages_delivered_total",
    help: "Message events written to sockets of this server, live or replayed.",
    registers: [this.registry],
    collect: () => {
      this.messagesDelivered.inc(this.deliveredSinceScrape);
      this.deliveredSinceScrape = 0;
    },
  });

  private readonly acks = new Counter({
    name: "chat_acks_total",
    help: "Answers to client requests, by event and result (ok or the error code).",
    labelNames: ["event", "result"] as const,
    registers: [this.registry],
  });

  private readonly rateLimited = new Counter({
    name: "chat_rate_limited_total",
    help: "Requests and connections refused with RATE_LIMITED, and connections cut (unread, refusals), by limit.",
    labelNames: ["limit"] as const,
    registers: [this.registry],
  });

  private readonly handshakeRefusals = new Counter({
    name: "chat_handshake_refusals_total",
    help: "Logins, resumes and reconnects refused, by error code (SESSION_EXPIRED: an unknown or ended token).",
    labelNames: ["code"] as const,
    registers: [this.registry],
  });

  private readonly storeFailures = new Counter({
    name: "chat_store_failures_total",
    help: "Store calls that failed for now and were answered with try again: unavailable (busy, locked, full, unreachable) or deadline (no answer in time).",
    labelNames: ["kind"] as const,
    registers: [this.registry],
  });

  readonly storeLatency = new Histogram({
    name: "chat_store_operation_seconds",
    help: "Duration of store calls, by store and operation.",
    labelNames: ["store", "operation"] as const,
    // Up to the request deadline (5 to 7.5 s), so that a stall short of it still shows how long it was.
    buckets: [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  /** Registers the gauges that read live state; called once the server's parts exist. */
  watch(sources: MetricSources): void {
    this.gauge("chat_connected_sockets", "Socket.IO connections to this server.", sources.connectedSockets);
    new Gauge({
      name: "chat_online_users",
      help: "Users listed as online, grace window included.",
      registers: [this.registry],
      // Unknown while the store cannot be read: NaN, and every other metric still answers.
      async collect() {
        this.set(await sources.onlineUsers().catch(() => Number.NaN));
      },
    });
    this.gauge(
      "chat_presence_pending",
      "Presence changes and greetings waiting for their round (held back longer while rounds are costly).",
      sources.presencePending,
    );
  }

  private gauge(name: string, help: string, read: () => number): void {
    new Gauge({
      name,
      help,
      registers: [this.registry],
      collect() {
        this.set(read());
      },
    });
  }

  messageSent(conversation: "group" | "private"): void {
    this.messagesSent.inc({ conversation });
  }

  messageDelivered(): void {
    this.deliveredSinceScrape++;
  }

  answered(event: keyof ClientToServerEvents, result: Result<object>): void {
    this.acks.inc({ event, result: result.ok ? "ok" : result.error.code });
  }

  limited(limit: LimitName): void {
    this.rateLimited.inc({ limit });
  }

  handshakeRefused(code: ErrorCode): void {
    this.handshakeRefusals.inc({ code });
  }

  storeFailed(kind: PassingFailure): void {
    this.storeFailures.inc({ kind });
  }

  /** The Prometheus text exposition of this server and its process. */
  async exposition(): Promise<{ contentType: string; body: string }> {
    const merged = Registry.merge([processMetrics(), this.registry]);
    return { contentType: this.registry.contentType, body: await merged.metrics() };
  }
}
