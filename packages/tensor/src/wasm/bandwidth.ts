import { heap } from "./heap.js";
import { wasm } from "./instance.js";
import { kernelRef, runJobs, splitRange } from "./pool.js";

/**
 * Memory read bandwidth as the kernels see it, for benchmarks: stream.wat reads a buffer larger
 * than the last-level cache (default 256 MiB), split across the kernel pool's threads like a
 * matrix-vector product; returns the best of `reps` passes in GB/s (10⁹ bytes/s). A decode step
 * reads every weight once, so weight bytes ÷ this is the floor of its time.
 */
export function measureReadBandwidth(bytes = 256 << 20, reps = 5): number {
  if (wasm === null) throw new Error("measureReadBandwidth: the WASM kernels are not loaded");
  const p = heap.alloc(bytes / 4);
  try {
    new Float32Array(heap.memory.buffer, p, bytes / 4).fill(1); // touch every page once
    const ref = kernelRef("stream", "readStream");
    const bounds = splitRange(bytes / 64, 1, 1 << 14);
    const jobs = bounds.slice(0, -1).map((b, t) => [p + 64 * b, 64 * (bounds[t + 1]! - b)]);
    let best = Infinity;
    for (let r = 0; r < reps; r++) {
      const t0 = performance.now();
      runJobs(ref, jobs);
      best = Math.min(best, (performance.now() - t0) / 1000);
    }
    return bytes / best / 1e9;
  } finally {
    heap.release(p);
  }
}
