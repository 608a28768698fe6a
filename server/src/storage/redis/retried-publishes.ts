import type { Logger } from "pino";
import type { Namespace } from "socket.io";
import { type Adapter, type ClusterMessage, MessageType } from "socket.io-adapter";
import { requireInternal } from "../../library-internals.js";
import type { AdapterFactory } from "../../transport/io.js";

interface Publishing {
  publishAndReturnOffset(message: ClusterMessage): Promise<string>;
}

/**
 * The cluster adapter's messages that nobody answers: the ones a retry can deliver late without harm. A
 * request that waits for answers (fetchSockets, an emit with an ack) times out instead, and the next
 * heartbeat replaces a lost one.
 */
function deliverableLate(message: ClusterMessage): boolean {
  if (message.type === MessageType.INITIAL_HEARTBEAT || message.type === MessageType.HEARTBEAT) return false;
  return !("data" in message && "requestId" in message.data && message.data.requestId !== undefined);
}

const FIRST_RETRY_MS = 250;
const LONGEST_RETRY_MS = 5_000;
/** As long as a user is kept listed after their connection drops: longer, a client has had to `sync` anyway. */
const RETRY_FOR_MS = 60_000;
/** Publishes waiting for another attempt, at most: a long outage must not fill the memory. */
const MAX_WAITING = 10_000;

/**
 * The cluster adapter drops a broadcast whose publish failed (the connection to Redis was cut, or reopened
 * after a stall) after delivering it locally: users of the other processes who stayed connected never
 * got it, though its sender had an ack. Such a publish is tried again in the background until it goes
 * through, so it arrives late rather than never. If the failed attempt was in fact stored, it arrives
 * twice; clients merge messages by id (docs/PROTOCOL.md), and presence deltas are sets.
 */
export function retriedPublishes(Base: AdapterFactory, log: Logger): (nsp: Namespace) => Adapter {
  // Called with `new`, like every adapter option (see singleBufferFrames).
  const ClusterAdapter = Base as unknown as new (nsp: Namespace) => Adapter & Publishing;
  let waiting = 0;
  return function retriedPublishesAdapter(nsp) {
    const adapter = new ClusterAdapter(nsp);
    requireInternal(adapter, "publishAndReturnOffset", "socket.io-adapter");
    const publish = adapter.publishAndReturnOffset.bind(adapter);
    adapter.publishAndReturnOffset = (message) => {
      const attempt = publish(message);
      if (deliverableLate(message)) {
        attempt.catch(() => {
          if (waiting >= MAX_WAITING) {
            log.error({ type: message.type }, "a broadcast to the other processes was dropped");
            return;
          }
          waiting++;
          void retry(() => publish(message), log).finally(() => waiting--);
        });
      }
      return attempt;
    };
    return adapter;
  };
}

async function retry(publish: () => Promise<unknown>, log: Logger): Promise<void> {
  const giveUpAt = Date.now() + RETRY_FOR_MS;
  for (let delay = FIRST_RETRY_MS; Date.now() < giveUpAt; delay = Math.min(2 * delay, LONGEST_RETRY_MS)) {
    await new Promise((resolve) => setTimeout(resolve, delay).unref());
    try {
      await publish();
      return;
    } catch {
      // Redis is still away: the next attempt waits longer.
    }
  }
  log.error("a broadcast to the other processes was dropped after a minute of retries");
}
