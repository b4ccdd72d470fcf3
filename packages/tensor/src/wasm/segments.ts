import { reserveScratch, memoryBuffer } from "./scratch.js";
import { splitRange } from "./pool.js";

/**
 * Many arrays in one kernel-pool round ("multi-tensor apply"): an optimizer step or a zero-grad
 * touches every parameter, ~40 arrays of 128 to 70k floats for RustGPT's model. One call per array
 * would be one pool round each (and the small ones would not split at all); instead the arrays are
 * laid end to end, the total is cut into one range per thread, and each thread gets a table of the
 * segments in its range, which one WASM call walks.
 *
 * An entry: `arity` byte addresses of same-length float arrays (adam: p, g, m, v; zero: the array)
 * and n floats. Table row (i32): the arity addresses advanced to the segment's first element, then
 * its length. Cuts fall on multiples of 4 floats from each array's start, so every segment but an
 * array's last is whole f32x4 vectors (the kernels' per-element results do not depend on where an
 * element falls anyway: their scalar tails run the same float32 operations).
 */
export interface SegmentEntry {
  /** Byte addresses in the WASM heap, one per operand of the kernel. */
  readonly addrs: readonly number[];
  /** Floats in each operand. */
  readonly n: number;
}

/**
 * The per-thread tables for `entries`, written into kernel scratch: one [tableAddress, rowCount]
 * per thread (at least one). Ranges are at least `minPerThread` floats. Reserving the scratch may
 * grow the heap: take the entries' addresses before calling, and make no views before it returns.
 */
export function segmentJobs(entries: readonly SegmentEntry[], arity: number, minPerThread: number): number[][] {
  let total = 0;
  for (const e of entries) total += e.n;
  const bounds = total === 0 ? [0, 0] : splitRange(total, 4, minPerThread);
  const parts = bounds.length - 1;
  const rowInts = arity + 1;
  // at most one row per entry plus one extra per cut
  const rows = entries.length + parts;
  const table = reserveScratch(rows * rowInts, "a kernel-pool round's segment table");
  const view = new Int32Array(memoryBuffer(), table, rows * rowInts);
  const jobs: number[][] = [];
  let row = 0, entry = 0, offset = 0; // offset: floats of `entry` already handed out
  let start = 0; // global float index of the current entry's first element
  for (let t = 0; t < parts; t++) {
    const end = bounds[t + 1]!;
    const firstRow = row;
    while (entry < entries.length) {
      const e = entries[entry]!;
      // this thread takes the entry up to `end`, cut on a multiple of 4 from the entry's start
      let stop = e.n;
      if (start + e.n > end && t + 1 < parts) stop = Math.max(offset, Math.min(e.n, (end - start) & ~3));
      if (stop > offset) {
        const base = row * rowInts;
        for (let k = 0; k < arity; k++) view[base + k] = e.addrs[k]! + 4 * offset;
        view[base + arity] = stop - offset;
        row++;
      }
      offset = stop;
      if (offset < e.n) break; // the rest goes to the next thread
      start += e.n;
      entry++;
      offset = 0;
    }
    jobs.push([table + 4 * rowInts * firstRow, row - firstRow]);
  }
  return jobs;
}
