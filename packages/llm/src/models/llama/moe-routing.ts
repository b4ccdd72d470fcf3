/**
 * Mixtral's router: which experts see a token, and with what weight.
 *
 * transformers (MixtralSparseMoeBlock): probabilities = softmax(router logits) over all experts;
 * keep the top k; divide them by their sum. Dividing by the kept sum cancels the softmax's
 * denominator, so the weights equal a softmax over the k kept logits alone, which is how they are
 * computed here (no exp of the experts that lose). The top k are the k largest logits (softmax is
 * monotonic); ties go to the lower expert index.
 */

/**
 * Routes n tokens. logits: [n, numExperts] (row t = token t's router logits).
 * Writes experts: [n, topK] (expert ids, by descending logit) and weights: [n, topK] (sum 1 per row).
 */
export function routeTokens(
  logits: Float32Array,
  n: number,
  numExperts: number,
  topK: number,
  experts: Int32Array,
  weights: Float32Array,
): void {
  if (!Number.isInteger(topK) || topK < 1 || topK > numExperts) {
    throw new RangeError(`routeTokens: topK must be an integer in [1, ${numExperts}] (the number of experts), got ${topK}`);
  }
  if (logits.length < n * numExperts || experts.length < n * topK || weights.length < n * topK) {
    throw new RangeError(
      `routeTokens: ${n} tokens need logits [${n}, ${numExperts}] and outputs [${n}, ${topK}], got lengths ${logits.length}, ${experts.length}, ${weights.length}`,
    );
  }
  for (let t = 0; t < n; t++) {
    const row = t * numExperts;
    const out = t * topK;
    // Insertion into a sorted list of k: numExperts is small (8 for Mixtral).
    let kept = 0;
    for (let e = 0; e < numExperts; e++) {
      const v = logits[row + e]!;
      let pos = kept;
      while (pos > 0 && beats(v, logits[row + experts[out + pos - 1]!]!)) pos--;
      if (pos >= topK) continue;
      for (let j = Math.min(kept, topK - 1); j > pos; j--) experts[out + j] = experts[out + j - 1]!;
      experts[out + pos] = e;
      if (kept < topK) kept++;
    }
    const max = logits[row + experts[out]!]!;
    let sum = 0;
    for (let j = 0; j < topK; j++) {
      const w = Math.exp(logits[row + experts[out + j]!]! - max);
      weights[out + j] = w;
      sum += w;
    }
    for (let j = 0; j < topK; j++) weights[out + j] = weights[out + j]! / sum;
  }
}

/** a ranks above b (a later expert with an equal logit does not: ties keep the lower index). NaN ranks last. */
function beats(a: number, b: number): boolean {
  return a > b || (b !== b && a === a);
}
