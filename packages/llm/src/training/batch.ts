/**
 * Mini-batches for next-token training: examples right-padded to the longest one.
 *
 * Letters: B = examples in the batch, T = positions = longest example − 1 (the last token is only
 * a target). Position t of row b reads ids[t] and predicts ids[t + 1]. A target is scored when the
 * example's loss mask marks it; padded positions and unscored tokens get `ignoreIndex`, so the
 * cross-entropy averages over scored targets only.
 *
 * Right padding keeps causal attention exact for real tokens (a real query never sees a later,
 * padded key); the padding mask is still given to the model so padded keys get no weight anywhere.
 */
import type { Example } from "./dataset.js";

export interface Batch {
  readonly batchSize: number;
  readonly seqLen: number;
  /** inputs: [B, T] token ids, padded with padId. */
  readonly inputs: Int32Array;
  /** targets: [B, T] next-token ids, or ignoreIndex where not scored. */
  readonly targets: Int32Array;
  /** paddingMask: [B, T], 1 for a real token, 0 for padding. */
  readonly paddingMask: Uint8Array;
  /** Number of scored targets (the loss is their mean). */
  readonly scoredTargets: number;
  /** Number of real (non-pad) input positions: what "tokens/s" counts. */
  readonly realTokens: number;
}

export interface BatchOptions {
  padId: number;
  ignoreIndex: number;
  /** "mask": score the targets the example's loss mask marks; "all": every next token (RustGPT). */
  lossOn: "mask" | "all";
}

/** Builds one right-padded batch from examples (each with ≥ 2 tokens). */
export function makeBatch(examples: readonly Example[], opts: BatchOptions): Batch {
  if (examples.length === 0) throw new Error("makeBatch: needs at least one example, got 0");
  let seqLen = 0;
  for (const ex of examples) seqLen = Math.max(seqLen, ex.ids.length - 1);
  const B = examples.length;
  const inputs = new Int32Array(B * seqLen).fill(opts.padId);
  const targets = new Int32Array(B * seqLen).fill(opts.ignoreIndex);
  const paddingMask = new Uint8Array(B * seqLen);
  let scoredTargets = 0;
  let realTokens = 0;
  examples.forEach((ex, b) => {
    const n = ex.ids.length - 1;
    const row = b * seqLen;
    for (let t = 0; t < n; t++) {
      inputs[row + t] = ex.ids[t]!;
      paddingMask[row + t] = 1;
      if (opts.lossOn === "all" || ex.lossMask[t + 1] === 1) {
        targets[row + t] = ex.ids[t + 1]!;
        scoredTargets++;
      }
    }
    realTokens += n;
  });
  return { batchSize: B, seqLen, inputs, targets, paddingMask, scoredTargets, realTokens };
}

/** Splits example indices into consecutive batches of at most `batchSize`. */
export function chunkIndices(order: readonly number[], batchSize: number): number[][] {
  if (!(Number.isInteger(batchSize) && batchSize >= 1)) throw new Error(`chunkIndices: batchSize must be an integer ≥ 1, got ${batchSize}`);
  const out: number[][] = [];
  for (let i = 0; i < order.length; i += batchSize) out.push(order.slice(i, i + batchSize));
  return out;
}
