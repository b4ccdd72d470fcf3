/**
 * What the inference Llama needs in the WASM heap, in bytes, computed from its config before
 * anything is allocated. A load reserves it (heap.reserve: at most one memory growth, see
 * @mini/tensor's heap.ts) so that no forward pass has to grow the memory: passes run inside
 * heap.frozen, where a growth would throw HeapGrowthError naming what asked.
 *
 *   weights    every matrix in its dtype (dtype-recipe.ts; the MoE router stays f32), vectors f32,
 *              a tied lm_head once
 *   runState   RunState's buffers for a prefill chunk of C rows (run-state.ts), all-position
 *              logits [C, vocab], MoE buffers
 *   kvCache    one LlamaKVCache of that context (max_position_embeddings when it fits in 4 GiB)
 *   scratch    the kernel scratch of the largest call of a pass (kernels' own formula, at the
 *              current thread count or the default one, whichever is more)
 */
import { compact, defaultThreads, heap, kernels, linearScratchFloats, matmulGroupScratchFloats, rowBytes, threadCount, WasmHeap, type WeightDtype } from "@mini/tensor";
import type { LlamaConfig } from "./config.js";
import { matrixDtype, outputMatrixDtype } from "./dtype-recipe.js";
import { windowOfEveryLayer } from "./family-features.js";
import { expectedTensors } from "./weights.js";

export interface LlamaHeapBudget {
  readonly weights: number;
  readonly runState: number;
  readonly kvCache: number;
  readonly scratch: number;
}

/** Every allocation is rounded up to 16 bytes (heap.ts ALIGN). */
const floatsBytes = (n: number): number => Math.ceil((n * 4) / 16) * 16;

/**
 * Bytes of the weights with every Linear matrix and the embedding in its dtype under `dtype`
 * (dtype-recipe.ts: the output matrix may be held in another). A matrix held in a K-quant refuses,
 * naming the tensor, rows that are not whole super-blocks (before any weight is read).
 */
export function llamaWeightBytes(c: LlamaConfig, dtype: WeightDtype): number {
  let bytes = 0;
  for (const [name, shape] of expectedTensors(c)) {
    const matrix = shape.length === 2 && !name.includes(".block_sparse_moe.gate.");
    const d = matrixDtype(dtype, name, shape[1]!, c.tieWordEmbeddings);
    if (matrix && compact.isKQuant(d)) compact.checkKQuantRow(d, shape[1]!, name);
    bytes += matrix ? shape[0]! * rowBytes(d, shape[1]!) : floatsBytes(shape.reduce((a, b) => a * b, 1));
  }
  return bytes;
}

/** Keys one query row of a pass over a cache of `context` positions sees: all, or with a window on every layer the window. */
export function keysPerRow(c: LlamaConfig, context: number): number {
  return Math.min(context, windowOfEveryLayer(c) ?? Infinity);
}

function runStateBytes(c: LlamaConfig, chunk: number): number {
  const H = c.hiddenSize, I = c.intermediateSize, Q = c.numHeads * c.headDim, KV = c.numKvHeads * c.headDim;
  const sizes = [chunk * H, chunk * H, chunk * Q, chunk * KV, chunk * KV, chunk * Q, chunk * I, chunk * I, c.vocabSize, chunk * c.vocabSize];
  if (c.moe !== null) sizes.push(chunk * c.moe.numExperts, chunk * H, chunk * I, chunk * I, chunk * H);
  return sizes.reduce((a, n) => a + floatsBytes(n), 0);
}

/** Floats of kernel scratch the largest call of a pass of `chunk` rows takes. */
export function llamaScratchFloats(c: LlamaConfig, chunk: number, dtype: WeightDtype, context: number): number {
  const H = c.hiddenSize, I = c.intermediateSize, Q = c.numHeads * c.headDim, KV = c.numKvHeads * c.headDim;
  // [K, N] of x·Wᵀ, and whether it is added to the residual (o, down: a compact product then needs room for itself)
  const linears: [number, number, boolean][] = [[H, Q, false], [H, KV, false], [Q, H, true], [H, I, false], [I, H, true]];
  let floats = linearScratchFloats(outputMatrixDtype(dtype, H), chunk, H, c.vocabSize); // lm_head, in its own dtype
  for (const [K, N, add] of linears) floats = Math.max(floats, linearScratchFloats(dtype, chunk, K, N, add));
  // the fused attention (one block: the contiguous cache) and RoPE's copies of its cos/sin rows [C, hd/2] each
  floats = Math.max(floats, kernels.attentionScratchFloats(keysPerRow(c, context), 1, kernels.attentionMaxJobs(threadCount())));
  floats = Math.max(floats, 2 * Math.ceil((chunk * c.headDim) / 8) * 4);
  // Per-thread parts grow at most in proportion to the threads: room for the default count too, so
  // a setThreads up to it after the load still runs in the reservation.
  const threads = Math.max(defaultThreads(), threadCount());
  floats *= Math.ceil(threads / threadCount());
  if (dtype === "f32") {
    // q, k, v and gate, up as one pool round each (linearGroup), at up to that many threads (a
    // group does not form at 1 thread, so its scratch is not scaled from the current count)
    const group = (K: number, Ns: number[]): number => matmulGroupScratchFloats(Ns.map((N) => ({ layout: "nt", M: chunk, K, N })), threads);
    floats = Math.max(floats, group(H, [Q, KV, KV]), group(H, [I, I]));
  }
  return floats;
}

/** The budget of a model of config `c` with matrices in `dtype`, prefill chunks of `chunk` rows and caches of `context` positions. */
export function llamaHeapBudget(c: LlamaConfig, dtype: WeightDtype, chunk: number, context: number): LlamaHeapBudget {
  return {
    weights: llamaWeightBytes(c, dtype),
    runState: runStateBytes(c, chunk),
    kvCache: 2 * floatsBytes(c.numLayers * c.numKvHeads * context * c.headDim),
    scratch: floatsBytes(llamaScratchFloats(c, chunk, dtype, context)),
  };
}

/** Context of a cache whose scores the run state holds when max_position_embeddings does not fit (a longer cache tops them up). */
const FALLBACK_CONTEXT = 4096;

/**
 * The context a model reserves for: max_position_embeddings when its budget fits in WASM's 4 GiB
 * above what is in use, else a shorter one (a cache made longer by newCache(maxLen) tops up its
 * share then, outside any pass; one past 4 GiB is refused there, naming the sizes).
 */
export function reservedContext(c: LlamaConfig, dtype: WeightDtype, chunk: number, withWeights: boolean): number {
  const b = llamaHeapBudget(c, dtype, chunk, c.maxSeqLen);
  const total = (withWeights ? b.weights : 0) + b.runState + b.kvCache + b.scratch;
  return heap.topAddress + total <= WasmHeap.MAX_BYTES ? c.maxSeqLen : Math.min(c.maxSeqLen, FALLBACK_CONTEXT);
}

/** The prefill chunk LlamaModel uses for these options (default 128, at most the context). */
export function prefillChunk(c: LlamaConfig, requested: number | undefined): number {
  return Math.max(1, Math.min(requested ?? 128, c.maxSeqLen));
}

/**
 * Reserves the budget in one go (heap.reserve: at most one memory growth): the weights (when they
 * are still to be loaded), the run state, the scratch and one KV cache of the reserved context.
 */
export function reserveLlamaHeap(b: LlamaHeapBudget, withWeights: boolean, what: string): void {
  heap.reserve((withWeights ? b.weights : 0) + b.runState + b.kvCache + b.scratch, what);
}

/**
 * What a loader calls before reading any weight: reserves the whole budget of a model of config
 * `c` loaded with `opts` (weightBytes: the weights as the source will hold them, when a source
 * keeps some as stored). The model's constructor then finds its room reserved.
 */
export function reserveModelHeap(c: LlamaConfig, opts: { dtype?: WeightDtype; prefillChunk?: number }, what: string, weightBytes?: number): void {
  const dtype = opts.dtype ?? "f32";
  const chunk = prefillChunk(c, opts.prefillChunk);
  const b = llamaHeapBudget(c, dtype, chunk, reservedContext(c, dtype, chunk, true));
  reserveLlamaHeap(weightBytes === undefined ? b : { ...b, weights: weightBytes }, true, what);
}
