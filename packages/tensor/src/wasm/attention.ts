import type { AttentionArgs } from "../kernels/attention.js";
import { attentionSplit, type AttentionPart } from "./attention-split.js";
import { kernelRef, runJobs, type KernelRef } from "./pool.js";
import { memoryBuffer, reserveScratchHoldingViews, roundUp4, runInHeap, scratchSize } from "./scratch.js";

/**
 * JS side of attention.wat: writes the block table (as byte offsets) and each job's scores rows
 * into scratch, splits the call across the kernel pool (attention-split.ts: by query heads, and
 * the heads left over by query rows of equal causal work) and runs it. Called by
 * src/kernels/attention.ts after its checks.
 */

let ref: KernelRef | null = null;
/** Most jobs in one round of wasmAttentionBatch (the pool's limit). */
const MAX_ROUND_JOBS = 256;

// An Int32Array over the whole heap for writing block tables (a view per call would cost more than
// a decode step's table); re-made when the memory grew.
let ints: Int32Array | null = null;
function heapInts(): Int32Array {
  const buffer = memoryBuffer();
  if (ints === null || ints.buffer !== buffer) ints = new Int32Array(buffer);
  return ints;
}

/**
 * Floats of kernel scratch (scratch.ts) one attention call takes: its block table, and two scores
 * rows (two heads of a kv head go together) of the keys one query sees for each of `jobs` jobs
 * (at most attentionMaxJobs(threadCount()): attention-split.ts).
 * For reserving scratch ahead of a pass: keysSeen = min(window, position + nQ), blocks = ⌈(position + nQ) / blockSize⌉.
 */
export function attentionScratchFloats(keysSeen: number, blocks: number, jobs: number): number {
  return roundUp4(blocks) + jobs * 2 * roundUp4(keysSeen);
}

/** One call's jobs (attention-split.ts) and scratch: its block table, then two scores rows per job. */
interface Plan {
  parts: AttentionPart[];
  nBlocks: number;
  seen: number;
  floats: number;
}

function plan(a: AttentionArgs, window: number): Plan {
  const end = a.position + a.nQ;
  const nBlocks = Math.ceil(end / a.blockSize);
  const seen = window > 0 ? Math.min(window, end) : end; // keys one query row sees at most (the scores row of one call)
  const parts = attentionSplit(a.nQ, a.position, window, a.nHeads, a.nKvHeads, a.headDim);
  return { parts, nBlocks, seen, floats: attentionScratchFloats(seen, nBlocks, parts.length) };
}

/** Writes the call's block table at scratch `w` (bytes) and appends its jobs. */
function addJobs(a: AttentionArgs, window: number, p: Plan, pq: number, pk: number, pv: number, po: number, w: number, jobs: number[][]): void {
  const ints = heapInts();
  for (let b = 0, at = w >> 2; b < p.nBlocks; b++, at++) ints[at] = 4 * a.blocks[b]!; // byte offsets
  const tableFloats = roundUp4(p.nBlocks);
  const rowBytes = 4 * a.nHeads * a.headDim; // one query row of q and of out
  p.parts.forEach(({ h0, h1, r0, r1 }, t) => {
    const scores = w + 4 * (tableFloats + t * 2 * roundUp4(p.seen));
    jobs.push([pq + r0 * rowBytes, po + r0 * rowBytes, r1 - r0, a.position + r0, h0, h1, a.nHeads, a.nKvHeads, a.headDim, pk, pv, a.blockSize, w, window, a.scale, scores]);
  });
}

export function wasmAttention(a: AttentionArgs, window: number, out: Float32Array): Float32Array {
  const p = plan(a, window);
  const what = (): string => `attention [${a.nQ} queries at ${a.position}, ${a.nHeads} heads, head dim ${a.headDim}]`;
  const run = (pq: number, pk: number, pv: number, po: number, w: number): void => {
    const jobs: number[][] = [];
    addJobs(a, window, p, pq, pk, pv, po, w, jobs);
    ref ??= kernelRef("attention", "attention");
    runJobs(ref, jobs);
  };
  const buffer = memoryBuffer();
  if (a.q.buffer === buffer && a.keys.buffer === buffer && a.values.buffer === buffer && out.buffer === buffer) {
    // all pinned (a model's run state and cache): the scratch never grows the memory (scratch.ts)
    run(a.q.byteOffset, a.keys.byteOffset, a.values.byteOffset, out.byteOffset, reserveScratchHoldingViews(p.floats, what));
    return out;
  }
  const n = a.nQ * a.nHeads * a.headDim;
  const ops = [
    { array: a.q, n, read: true, write: false },
    { array: a.keys, n: a.keys.length, read: true, write: false },
    { array: a.values, n: a.values.length, read: true, write: false },
    { array: out, n, read: false, write: true },
  ];
  return runInHeap(ops, p.floats, ([pq, pk, pv, po], w) => run(pq!, pk!, pv!, po!, w), 3, what);
}

/**
 * Several calls (each with its `out` and window) in as few pool rounds as the scratch allows: the
 * jobs of every call (each split as wasmAttention splits it) in one round, so the calls of a batch
 * of decoding sequences run on all threads, where each alone is too small to split. Calls with
 * operands outside the heap run as wasmAttention runs them.
 */
export function wasmAttentionBatch(calls: readonly { a: AttentionArgs; window: number; out: Float32Array }[]): void {
  const buffer = memoryBuffer();
  const pinned = (c: { a: AttentionArgs; out: Float32Array }) => c.a.q.buffer === buffer && c.a.keys.buffer === buffer && c.a.values.buffer === buffer && c.out.buffer === buffer;
  const plans = calls.map((c) => plan(c.a, c.window));
  // the scratch there is (a model reserves one whole-context call's at load): rounds fill it
  const room = Math.max(scratchSize(), ...plans.map((p) => p.floats));
  let i = 0;
  while (i < calls.length) {
    if (!pinned(calls[i]!)) {
      wasmAttention(calls[i]!.a, calls[i]!.window, calls[i]!.out);
      i++;
      continue;
    }
    let floats = 0, nJobs = 0, j = i;
    for (; j < calls.length && pinned(calls[j]!); j++) {
      const p = plans[j]!;
      if (j > i && (floats + p.floats > room || nJobs + p.parts.length > MAX_ROUND_JOBS)) break;
      floats += p.floats;
      nJobs += p.parts.length;
    }
    const w = reserveScratchHoldingViews(floats, () => `attention of ${j - i} sequences`);
    const jobs: number[][] = [];
    for (let k = i, at = w; k < j; at += 4 * plans[k]!.floats, k++) {
      const { a, window, out } = calls[k]!;
      addJobs(a, window, plans[k]!, a.q.byteOffset, a.keys.byteOffset, a.values.byteOffset, out.byteOffset, at, jobs);
    }
    ref ??= kernelRef("attention", "attention");
    runJobs(ref, jobs);
    i = j;
  }
}
