import { crossEntropy, type Variable } from "@mini/autograd";
import { ShapeError } from "@mini/tensor";

export interface CrossEntropyLossOptions {
  /** Target value of positions that are not counted (padding, prompt); default −100 as PyTorch. */
  ignoreIndex?: number;
}

/**
 * Language-model loss: mean over counted positions of −log softmax(logits)[target].
 * logits [B, T, V] (or [N, V]); targets [B·T] token ids (or ignoreIndex). One fused op
 * (log-softmax + NLL) from @mini/autograd. A batch with no counted position gives loss 0 and zero grads.
 */
export function crossEntropyLoss(logits: Variable, targets: ArrayLike<number>, opts: CrossEntropyLossOptions = {}): Variable {
  const shape = logits.shape;
  if (shape.length < 2) throw new ShapeError(`crossEntropyLoss: logits must be [..., vocab], got [${shape.join(", ")}]`);
  const V = shape[shape.length - 1]!;
  const rows = logits.size / V;
  if (targets.length !== rows) {
    throw new ShapeError(`crossEntropyLoss: logits [${shape.join(", ")}] have ${rows} positions, targets have ${targets.length}`);
  }
  const ignore = opts.ignoreIndex ?? -100;
  for (let i = 0; i < targets.length; i++) {
    const t = targets[i]!;
    if (t !== ignore && !(Number.isInteger(t) && t >= 0 && t < V)) {
      throw new RangeError(`crossEntropyLoss: targets[${i}] = ${t} is neither a class in [0, ${V}) nor ignoreIndex (${ignore})`);
    }
  }
  return crossEntropy(logits, targets, { ignoreIndex: ignore });
}
