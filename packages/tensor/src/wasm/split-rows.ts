import { kernelRef, runJobs, splitRange, type KernelRef } from "./pool.js";

/**
 * Row-parallel kernel calls on the pool (norms, softmax, swiglu): the rows [0, rows) are cut into
 * per-thread ranges of whole `align`-row groups, each one call of the same WASM export with
 * `args(r0, r1)` (its rows' addresses and count). Rows are independent in these kernels, so each
 * output element is computed by one call, in the same order as unsplit: bit-identical for every
 * thread count. Under `minElements` per thread (rows·cols), one call on the calling thread.
 */
const refs = new Map<string, KernelRef>();

export function runRowsSplit(
  module: string, name: string, rows: number, cols: number, align: number, minElements: number,
  args: (r0: number, r1: number) => number[],
): void {
  const key = `${module}.${name}`;
  let ref = refs.get(key);
  if (ref === undefined) {
    ref = kernelRef(module, name);
    refs.set(key, ref);
  }
  const bounds = splitRange(rows, align, Math.ceil(minElements / Math.max(cols, 1)));
  if (bounds.length === 2) {
    ref.call(...args(0, rows));
    return;
  }
  const jobs: number[][] = [];
  for (let t = 0; t + 1 < bounds.length; t++) jobs.push(args(bounds[t]!, bounds[t + 1]!));
  runJobs(ref, jobs);
}
