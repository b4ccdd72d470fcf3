import type { AttentionArgs } from "../kernels/attention.js";
import { attentionSplit } from "./attention-split.js";
import { kernelRef, runJobs, type KernelRef } from "./pool.js";
import { memoryBuffer, reserveScratchHoldingViews, roundUp4, runInHeap } from "./scratch.js";

/**
 * JS side of attention.wat: writes the block table (as byte offsets) and each job's scores rows
 * into scratch, splits the call across the kernel pool (attention-split.ts: by query heads, and
 * the heads left over by query rows of equal causal work) and runs it. Called by
 * src/kernels/attention.ts after its checks.
 */

let ref: KernelRef | null = null;

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

export function wasmAttention(a: AttentionArgs, window: number, out: Float32Array): Float32Array {
  const { nQ, position, nHeads, nKvHeads, headDim: hd, blockSize: bs, blocks } = a;
  const end = position + nQ;
  const nBlocks = Math.ceil(end / bs);
  const seen = window > 0 ? Math.min(window, end) : end; // keys one query row sees at most (the scores row of one call)
  const parts = attentionSplit(nQ, position, window, nHeads, nKvHeads, hd);
  const jobs = parts.length;
  const tableFloats = roundUp4(nBlocks);
  const work = attentionScratchFloats(seen, nBlocks, jobs);
  const what = (): string => `attention [${nQ} queries at ${position}, ${nHeads} heads, head dim ${hd}]`;
  const run = (pq: number, pk: number, pv: number, po: number, w: number): void => {
    const ints = heapInts();
    for (let b = 0, at = w >> 2; b < nBlocks; b++, at++) ints[at] = 4 * blocks[b]!; // byte offsets
    ref ??= kernelRef("attention", "attention");
    const args: number[][] = [];
    const rowBytes = 4 * nHeads * hd; // one query row of q and of out
    for (let t = 0; t < jobs; t++) {
      const { h0, h1, r0, r1 } = parts[t]!;
      const scores = w + 4 * (tableFloats + t * 2 * roundUp4(seen));
      args.push([pq + r0 * rowBytes, po + r0 * rowBytes, r1 - r0, position + r0, h0, h1, nHeads, nKvHeads, hd, pk, pv, bs, w, window, a.scale, scores]);
    }
    runJobs(ref, args);
  };
  const buffer = memoryBuffer();
  if (a.q.buffer === buffer && a.keys.buffer === buffer && a.values.buffer === buffer && out.buffer === buffer) {
    // all pinned (a model's run state and cache): the scratch never grows the memory (scratch.ts)
    run(a.q.byteOffset, a.keys.byteOffset, a.values.byteOffset, out.byteOffset, reserveScratchHoldingViews(work, what));
    return out;
  }
  const n = nQ * nHeads * hd;
  const ops = [
    { array: a.q, n, read: true, write: false },
    { array: a.keys, n: a.keys.length, read: true, write: false },
    { array: a.values, n: a.values.length, read: true, write: false },
    { array: out, n, read: false, write: true },
  ];
  return runInHeap(ops, work, ([pq, pk, pv, po], w) => run(pq!, pk!, pv!, po!, w), 3, what);
}
