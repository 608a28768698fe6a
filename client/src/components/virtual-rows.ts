import { computed, type Directive, onBeforeUnmount, onMounted, type Ref, ref, toRaw } from "vue";

/**
 * A long list renders only the rows near the viewport, between two spacers that stand in for the rest. Rows keep
 * their natural, varying heights: each is measured when it renders (a ResizeObserver), and rows not seen yet
 * count with an estimate. Short lists render every row: a few screens cost less than a frame, and the browser's
 * find-in-page then sees every message.
 */

const ALWAYS_RENDERED = 200;
/** A one-line message: name and time, one line of text, padding. */
const ESTIMATED_ROW_PX = 46;

/**
 * offsets[i] is the top of row i, offsets[n] the height of all n rows. Given the offsets of an earlier list whose
 * first `from` rows are unchanged, only the rows after them are added up again.
 */
export function rowOffsets<T>(
  rows: readonly T[],
  heightOf: (row: T) => number,
  earlier: { offsets: Float64Array; from: number } = { offsets: new Float64Array(1), from: 0 },
): Float64Array {
  const offsets = new Float64Array(rows.length + 1);
  const from = Math.min(earlier.from, rows.length, earlier.offsets.length - 1);
  offsets.set(earlier.offsets.subarray(0, from + 1));
  for (let i = from; i < rows.length; i++) offsets[i + 1] = (offsets[i] as number) + heightOf(rows[i] as T);
  return offsets;
}

/** The rows [first, last) that overlap the band [top, bottom), by binary search over the offsets. */
export function rowsBetween(
  offsets: Float64Array,
  top: number,
  bottom: number,
): { first: number; last: number } {
  const count = offsets.length - 1;
  // The first row must be among those that end below `top`; the last, among those that start above `bottom`.
  const first = firstIndex(0, count, (i) => (offsets[i + 1] as number) > top);
  const last = firstIndex(first, count, (i) => (offsets[i] as number) >= bottom);
  return { first, last };
}

/**
 * Forgets the heights of rows no longer in the list (the oldest, let go in a long session), once they
 * outnumber the rows: every row shown is measured, and a tab open for days would keep one per message.
 */
export function forgetGoneRows(heights: Map<number, number>, keys: readonly number[]): void {
  if (heights.size <= 2 * keys.length) return;
  const present = new Set(keys);
  for (const key of heights.keys()) if (!present.has(key)) heights.delete(key);
}

/** The smallest i in [from, to) for which `past(i)` holds (which, once true, stays true), or `to`. */
export function firstIndex(from: number, to: number, past: (i: number) => boolean): number {
  let low = from;
  let high = to;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (past(mid)) high = mid;
    else low = mid + 1;
  }
  return low;
}

export interface VirtualRowsOptions<T> {
  /** The scrolling element; rows, spacers and anything else in it are its children. */
  list: Ref<HTMLElement | null>;
  /**
   * The rows, in order: a store's array, into which rows are inserted (or from which the oldest go, see
   * MESSAGES_KEPT), so that its count is what tells that they changed, or a new array for every change.
   */
  rows: () => readonly T[];
  key: (row: T) => number;
  /** While true, a rendered row that changes height keeps the bottom of the list in view. */
  followsNewest: () => boolean;
}

export function useVirtualRows<T>(options: VirtualRowsOptions<T>) {
  const heights = new Map<number, number>();
  const measured = ref(0);
  const scrollTop = ref(0);
  const viewport = ref(0);

  /**
   * Every new message would otherwise add up all 10,000 heights again: the offsets are kept, with the keys they
   * were added up for, and recomputed from the first row that was inserted or measured since.
   */
  let summed: { offsets: Float64Array; keys: number[] } = { offsets: new Float64Array(1), keys: [] };
  let measuredFrom = Number.POSITIVE_INFINITY;
  const offsets = computed(() => {
    void measured.value;
    // The raw array: reading 10,000 rows through the store's proxy would track each of them, on every change.
    const rows = options.rows();
    void rows.length;
    const raw = toRaw(rows);
    const keys = raw.map(options.key);
    forgetGoneRows(heights, keys);
    let from = 0;
    while (from < keys.length && keys[from] === summed.keys[from]) from++;
    from = Math.min(from, measuredFrom);
    measuredFrom = Number.POSITIVE_INFINITY;
    const heightOf = (row: T) => heights.get(options.key(row)) ?? ESTIMATED_ROW_PX;
    summed = { offsets: rowOffsets(raw, heightOf, { offsets: summed.offsets, from }), keys };
    return summed.offsets;
  });
  /** One screen rendered above and one below the visible one, so a fast scroll rarely shows a spacer. */
  const range = computed(() => {
    const all = offsets.value;
    const count = all.length - 1;
    if (count <= ALWAYS_RENDERED) return { first: 0, last: count };
    return rowsBetween(all, scrollTop.value - viewport.value, scrollTop.value + 2 * viewport.value);
  });
  const visible = computed(() => toRaw(options.rows()).slice(range.value.first, range.value.last));
  const spaceBefore = computed(() => offsets.value[range.value.first] as number);
  const spaceAfter = computed(() => {
    const all = offsets.value;
    return (all[all.length - 1] as number) - (all[range.value.last] as number);
  });

  /** Reads where the list is scrolled to now; call it after moving the list from code. */
  function scrolled(): void {
    const el = options.list.value;
    if (!el) return;
    scrollTop.value = el.scrollTop;
    viewport.value = el.clientHeight;
  }

  function toBottom(): void {
    const el = options.list.value;
    if (!el) return;
    el.scrollTop = el.scrollHeight;
    scrolled();
  }

  /**
   * A row rendered for the first time (or re-wrapped) has its real height now. When it starts above the top of
   * the viewport, everything in view moved by the difference: the scroll position follows, within the same
   * frame, so the reader sees nothing jump.
   */
  function resized(entries: ResizeObserverEntry[]): void {
    const el = options.list.value;
    if (!el) return;
    let above = 0;
    let changed = false;
    for (const entry of entries) {
      const height = entry.borderBoxSize[0]?.blockSize ?? 0;
      const moved = record(entry.target, height);
      if (moved === 0) continue;
      changed = true;
      if ((entry.target as HTMLElement).offsetTop < el.scrollTop) above += moved;
    }
    if (!changed) return;
    measured.value++;
    if (options.followsNewest()) toBottom();
    else if (above !== 0) {
      el.scrollTop += above;
      scrolled();
    }
  }

  /** Keeps a rendered row's height; resolves to how much it differs from what was accounted for it. */
  function record(row: Element, height: number): number {
    const key = keys.get(row);
    // Zero: the row is leaving, or the window is hidden; neither is the row's height.
    if (key === undefined || height === 0) return 0;
    const before = heights.get(key) ?? ESTIMATED_ROW_PX;
    if (height === before) return 0;
    measuredFrom = Math.min(measuredFrom, indexOf(key));
    heights.set(key, height);
    return height - before;
  }

  /**
   * Measures the rows rendered now, at once rather than in the next frame: rows just inserted above the view
   * are then accounted at their real heights (see accountedHeight), not at estimates that can be twice as
   * tall, which would move the view past them, as far as the bottom. Lays the page out: for a user's action.
   */
  function measureRendered(): void {
    let changed = false;
    for (const row of rendered) if (record(row, row.getBoundingClientRect().height) !== 0) changed = true;
    if (changed) measured.value++;
  }

  /** A rendered row's index; rows are only measured while rendered. */
  function indexOf(key: number): number {
    const at = visible.value.findIndex((row) => options.key(row) === key);
    return at < 0 ? 0 : range.value.first + at;
  }

  const keys = new WeakMap<Element, number>();
  const rendered = new Set<HTMLElement>();
  const rowObserver = new ResizeObserver(resized);
  // The list itself changed size (a window opened beside it, say): a reader following the newest messages
  // keeps seeing them.
  const listObserver = new ResizeObserver(() => (options.followsNewest() ? toBottom() : scrolled()));
  /** `v-measured="key"` on each rendered row. */
  const vMeasured: Directive<HTMLElement, number> = {
    mounted(el, binding) {
      keys.set(el, binding.value);
      rendered.add(el);
      rowObserver.observe(el);
    },
    beforeUnmount(el) {
      rendered.delete(el);
      rowObserver.unobserve(el);
    },
  };

  onMounted(() => {
    if (options.list.value) listObserver.observe(options.list.value);
  });
  onBeforeUnmount(() => {
    rowObserver.disconnect();
    listObserver.disconnect();
  });

  /** Where `visible` starts among all rows. */
  const firstVisible = computed(() => range.value.first);

  /**
   * The height of every row as the list accounts for it: measured, or estimated for a row not rendered yet.
   * Rows inserted above the view move it by what this grows by: `resized` adds the rest once they are
   * measured, so a scroll position kept by the browser's real heights would be moved twice.
   */
  function accountedHeight(): number {
    return offsets.value.at(-1) ?? 0;
  }

  return {
    visible,
    firstVisible,
    spaceBefore,
    spaceAfter,
    scrolled,
    toBottom,
    measureRendered,
    accountedHeight,
    vMeasured,
  };
}
