import { splitRange, threadCount } from "./pool.js";

/**
 * How one attention call (attention.ts) is cut into kernel-pool jobs, each a call of attention.wat
 * for heads [h0, h1) of query rows [r0, r1) (rows r0 … r1 as a call of their own: row r0 at
 * position + r0). Each (row, head) output is computed by one job, from its own row alone, so no
 * split changes a bit.
 *
 * Ranges of whole query heads (whole kv-head groups when there are at least as many as threads,
 * so each thread reads only its own kv heads' keys and values). When the heads (or groups) do not
 * divide evenly among the threads (SmolLM2's 3 kv groups over 2 threads: 6 heads against 3) and a
 * call has at least a row per thread (a prefill), each thread takes an equal share of whole heads
 * and the heads left over are cut by query rows into one piece per thread of equal causal work
 * (row i sees position + i + 1 keys, or the window): the threads finish together. Under
 * MIN_MACS_PER_THREAD of work per thread, one job.
 */

/** Least multiply-adds worth handing to a thread (a wake-up costs a few microseconds). */
const MIN_MACS_PER_THREAD = 1 << 14;

/** Most jobs attentionSplit makes at `threads` threads (each job takes its own scores rows). */
export const attentionMaxJobs = (threads: number): number => 2 * threads;

/** One job: heads [h0, h1) of query rows [r0, r1). */
export interface AttentionPart {
  h0: number;
  h1: number;
  r0: number;
  r1: number;
}

/** The jobs of an attention of nQ query rows at `position`, at the current thread count: whole-head ranges first, then row pieces. */
export function attentionSplit(nQ: number, position: number, window: number, nHeads: number, nKvHeads: number, hd: number): AttentionPart[] {
  const T = threadCount();
  const keysOf = (i: number): number => (window > 0 ? Math.min(window, position + i + 1) : position + i + 1);
  let keysPerHead = 0; // keys all the rows of one head see: its work is keysPerHead·hd·2 multiply-adds
  for (let i = 0; i < nQ; i++) keysPerHead += keysOf(i);
  const minHeads = Math.ceil(MIN_MACS_PER_THREAD / Math.max(1, 2 * keysPerHead * hd));
  const align = nKvHeads >= T ? nHeads / nKvHeads : 1;
  const units = nHeads / align, perThread = Math.floor(units / T), spare = units % T;
  if (T < 2 || spare === 0 || nQ < T || nHeads < T * minHeads) {
    const bounds = splitRange(nHeads, align, minHeads);
    return bounds.slice(1).map((h1, t) => ({ h0: bounds[t]!, h1, r0: 0, r1: nQ }));
  }
  const parts: AttentionPart[] = [];
  for (let t = 0; t < T && perThread > 0; t++) parts.push({ h0: t * perThread * align, h1: (t + 1) * perThread * align, r0: 0, r1: nQ });
  // the spare heads' rows in T pieces of about equal keys: piece k ends where the running sum reaches k/T of all
  const h0 = T * perThread * align;
  let r0 = 0, sum = 0;
  for (let i = 0, k = 1; i < nQ && k < T; i++) {
    sum += keysOf(i);
    if (sum * T >= keysPerHead * k) {
      parts.push({ h0, h1: nHeads, r0, r1: i + 1 });
      r0 = i + 1;
      k++;
    }
  }
  if (r0 < nQ) parts.push({ h0, h1: nHeads, r0, r1: nQ });
  return parts;
}
