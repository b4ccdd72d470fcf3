/**
 * One optimisation step, the unit `train` loops over and a user's own loop can call:
 *
 *   batch → logits [B, T, V] → cross-entropy over the scored targets → backward
 *   → optional global grad-norm clip → optimizer step (at `lr`, when given)
 *
 *   const opt = new AdamW(model.parameters(), { lr: 1e-3 });
 *   for (const idx of chunkIndices(order, 8)) {
 *     const batch = makeBatch(idx.map((i) => data.examples[i]!), { padId, ignoreIndex: IGNORE_INDEX, lossOn: "mask" });
 *     const { loss } = trainStep(model, batch, { optimizer: opt, clipNorm: 1 });
 *   }
 *
 * A non-finite loss or gradient norm takes no step: the result names it (`nonFinite`) and the
 * weights and optimizer are as before the call (gradients aside), so the caller decides what to do.
 */
import { clipGradNorm, crossEntropyLoss, type Optimizer } from "@mini/nn";
import type { Batch } from "./batch.js";
import { IGNORE_INDEX } from "./evaluate.js";
import type { TrainableLM } from "./trainable-lm.js";

export interface TrainStepOptions {
  optimizer: Optimizer;
  /** Learning rate for this step (a schedule's value); default: the optimizer's current lr. */
  lr?: number;
  /** Global gradient-norm clip; 0 or absent = off. */
  clipNorm?: number;
  /** The target value makeBatch wrote where nothing is scored (default IGNORE_INDEX). */
  ignoreIndex?: number;
}

export interface TrainStepResult {
  /** Mean cross-entropy over the batch's scored targets (before the step). */
  loss: number;
  /** Pre-clip global gradient norm (NaN when clipping is off: not computed). */
  gradNorm: number;
  /** Real (non-pad) tokens in the batch. */
  tokens: number;
  /** Set when the loss or gradient norm was not finite: no step was taken. */
  nonFinite: { what: "loss" | "gradient norm"; value: number } | null;
}

export function trainStep(model: TrainableLM, batch: Batch, opts: TrainStepOptions): TrainStepResult {
  const { optimizer } = opts;
  const clipNorm = opts.clipNorm ?? 0;
  optimizer.zeroGrad();
  const logits = model.logits(batch.inputs, batch.batchSize, batch.seqLen, batch.paddingMask);
  const lossVar = crossEntropyLoss(logits, batch.targets, { ignoreIndex: opts.ignoreIndex ?? IGNORE_INDEX });
  const loss = lossVar.item();
  const result = (gradNorm: number, nonFinite: TrainStepResult["nonFinite"]): TrainStepResult => ({ loss, gradNorm, tokens: batch.realTokens, nonFinite });
  if (!Number.isFinite(loss)) return result(Number.NaN, { what: "loss", value: loss });
  lossVar.backward();
  let gradNorm = Number.NaN;
  if (clipNorm > 0) {
    gradNorm = clipGradNorm(model.parameters(), clipNorm);
    if (!Number.isFinite(gradNorm)) return result(gradNorm, { what: "gradient norm", value: gradNorm });
  }
  if (opts.lr !== undefined) optimizer.lr = opts.lr;
  optimizer.step();
  return result(gradNorm, null);
}
