/** Marks the line a system's process writes to stderr after a requested garbage collection. */
export const MEMORY_REPORT = "bench-memory:";

export interface HeapInUse {
  heapUsed: number;
  /** Memory outside the JS heap held by JS objects: buffers, native addons' allocations. */
  external: number;
}
