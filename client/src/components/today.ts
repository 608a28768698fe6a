import { type Ref, readonly, ref } from "vue";

/**
 * The time as of the last midnight passed, for what is said differently for today's messages and older
 * ones (messageTime): one clock for every row, which moves once a day. Read once as a row was made, a tab
 * left open overnight showed yesterday's messages as today's.
 */
const now = ref(Date.now());
let ticking = false;

function msToMidnight(): number {
  const midnight = new Date();
  midnight.setHours(24, 0, 0, 0);
  return midnight.getTime() - Date.now();
}

function tick(): void {
  now.value = Date.now();
  // A second past it, so that a timer that fires a little early still finds the new day.
  setTimeout(tick, msToMidnight() + 1000);
}

export function useToday(): Readonly<Ref<number>> {
  if (!ticking) {
    ticking = true;
    now.value = Date.now();
    setTimeout(tick, msToMidnight() + 1000);
  }
  return readonly(now);
}
