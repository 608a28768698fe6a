import type { Histogram } from "prom-client";
import type { Storage } from "../storage/storage.js";

/** The same storage, with the duration of every store call observed by store and operation. */
export function timedStorage(storage: Storage, latency: Histogram<"store" | "operation">): Storage {
  return {
    ...storage,
    sessions: timed(storage.sessions, "sessions", latency),
    presence: timed(storage.presence, "presence", latency),
    messages: timed(storage.messages, "messages", latency),
  };
}

/** Any backend's store, unchanged but timed: a Proxy, so a store interface can grow without edits here. */
function timed<T extends object>(store: T, name: string, latency: Histogram<"store" | "operation">): T {
  return new Proxy(store, {
    get(target, operation, receiver) {
      const member: unknown = Reflect.get(target, operation, receiver);
      if (typeof member !== "function" || typeof operation !== "string") return member;
      return (...args: unknown[]) => {
        const stop = latency.startTimer({ store: name, operation });
        const result: unknown = member.apply(target, args);
        if (result instanceof Promise) return result.finally(stop);
        stop();
        return result;
      };
    },
  });
}
