import type { KernelRef } from "./pool.js";

/**
 * For benches (llm bench/prefill-profile.ts): while a profiler is set, every runJobs call (a round,
 * or one job where the work was not split) is split as at the current thread count, but its jobs
 * run one after the other on the calling thread, each timed. A bench then sees each job's share of a round (the imbalance, the work a
 * split duplicates) from one thread's timings, which the other processes on a shared machine
 * disturb far less than a round's wall time at 2 threads.
 */

/** Receives a profiled round: each job's kernel name and time in ms, in job order. */
export type RoundProfiler = (names: readonly string[], jobMs: readonly number[]) => void;

let profiler: RoundProfiler | null = null;

/** Sets (or, with null, removes) the round profiler. */
export function profileRounds(p: RoundProfiler | null): void {
  profiler = p;
}

/** The profiler set now, if any (pool.ts asks before each round). */
export const roundProfiler = (): RoundProfiler | null => profiler;

/** Runs a round's jobs in order here, timing each, and reports them. */
export function runProfiled(refAt: (j: number) => KernelRef, jobs: readonly (readonly number[])[], report: RoundProfiler): void {
  const ms: number[] = [];
  for (let j = 0; j < jobs.length; j++) {
    const t0 = performance.now();
    refAt(j).call(...jobs[j]!);
    ms.push(performance.now() - t0);
  }
  report(jobs.map((_, j) => refAt(j).name), ms);
}
