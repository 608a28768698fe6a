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

/**
 * Any backend's store, unchanged but timed: a Proxy, so a store interface can grow without edits here.
 * Each operation's timed function is built once: stores are called several times per message.
 */
function timed<T extends object>(store: T, name: string, latency: Histogram<"store" | "operation">): T {
  // Keyed by the function itself, so a member that is replaced gets a wrapper of its own.
  const wrappers = new WeakMap<object, (...args: unknown[]) => unknown>();
  return new Proxy(store, {
    get(target, operation, receiver) {
      const member: unknown = Reflect.get(target, operation, receiver);
      if (typeof member !== "function" || typeof operation !== "string") return member;
      let wrapper = wrappers.get(member);
      if (!wrapper) {
        const timer = latency.labels({ store: name, operation });
        wrapper = (...args: unknown[]) => {
          const stop = timer.startTimer();
          const result: unknown = member.apply(target, args);
          if (result instanceof Promise) return result.finally(stop);
          stop();
          return result;
        };
        wrappers.set(member, wrapper);
      }
      return wrapper;
    },
  });
}
