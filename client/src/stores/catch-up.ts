import { defineStore } from "pinia";
import { ref } from "vue";

/**
 * How many ids that arrived live during a catch-up are kept: far more than come during one in practice, and
 * a bound on what a reload saves. Past it, the oldest may count unread a second time after a reload.
 */
export const LIVE_DURING_CATCH_UP_KEPT = 1000;

/** How far this tab has read the server's message sequence: where a catch-up after a gap starts (see backfill). */
export const useCatchUp = defineStore("catch-up", () => {
  /**
   * Every message visible to me up to this id has been received: a reconnect that the server could not
   * recover asks `sync` for everything after it. History pages do not move it (a page of one conversation
   * says nothing about the others), and neither do live messages while a catch-up is still pending: they
   * are newer than the gap that `sync` has yet to fill.
   */
  const newestId = ref<number | null>(null);
  /** A `sync` is owed: a reconnect was not recovered and its catch-up has not finished yet. */
  const catchingUp = ref(false);
  /**
   * The ids that arrived live while catching up (the newest LIVE_DURING_CATCH_UP_KEPT of them): the watermark
   * moves to the newest once caught up. A reload before then resumes the catch-up, which brings them again:
   * kept across it, they are known as seen, and counted unread (or notified) once.
   */
  const liveDuringCatchUp = ref(new Set<number>());

  function advance(id: number): void {
    if (newestId.value === null || id > newestId.value) newestId.value = id;
  }

  /** A message arrived live or in an ack. */
  function seen(id: number): void {
    if (!catchingUp.value) {
      advance(id);
      return;
    }
    const live = liveDuringCatchUp.value;
    live.add(id);
    if (live.size > LIVE_DURING_CATCH_UP_KEPT) live.delete(live.values().next().value as number);
  }

  /** Whether the message arrived live during the catch-up under way (or one a reload cut short). */
  function arrivedDuringCatchUp(id: number): boolean {
    return liveDuringCatchUp.value.has(id);
  }

  /** `live`: what arrived during a catch-up a reload cut short, as saved before it. */
  function start(live: readonly number[] = []): void {
    catchingUp.value = true;
    for (const id of live) liveDuringCatchUp.value.add(id);
  }

  /** `sync` answered `more: false`: nothing is missing below the newest id seen. */
  function caughtUp(): void {
    catchingUp.value = false;
    for (const id of liveDuringCatchUp.value) advance(id);
    liveDuringCatchUp.value.clear();
  }

  /** A new login, or none: nothing read yet. */
  function reset(): void {
    newestId.value = null;
    catchingUp.value = false;
    liveDuringCatchUp.value.clear();
  }

  return {
    newestId,
    catchingUp,
    liveDuringCatchUp,
    advance,
    seen,
    arrivedDuringCatchUp,
    start,
    caughtUp,
    reset,
  };
});
