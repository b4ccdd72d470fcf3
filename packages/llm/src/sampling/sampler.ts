/**
 * The sampler: runs the processor chain on a step's logits and draws one id from what is left,
 * with its own seeded generator (so a seed reproduces a whole generation).
 */
import { createRng, type Rng } from "@mini/tensor";
import { Candidates } from "./candidates.js";
import { resolveSamplingOptions, type ResolvedSamplingOptions, type SamplingOptions } from "./options.js";
import { buildProcessors, type LogitsProcessor } from "./processors.js";

/** Index of the largest value; ties → lowest index. NaN never wins. */
export function argmax(x: ArrayLike<number>): number {
  let best = 0;
  let bestValue = -Infinity;
  for (let i = 0; i < x.length; i++) {
    if (x[i]! > bestValue) {
      bestValue = x[i]!;
      best = i;
    }
  }
  return best;
}

export class Sampler {
  /** The validated options, defaults filled in (including the seed actually used). */
  readonly options: ResolvedSamplingOptions;
  readonly processors: readonly LogitsProcessor[];
  private readonly rng: Rng;
  private candidates: Candidates | null = null;

  /** Throws SamplingOptionError (naming the option) on an invalid value. */
  constructor(options: SamplingOptions = {}) {
    this.options = resolveSamplingOptions(options);
    this.processors = buildProcessors(this.options);
    this.rng = createRng(this.options.seed);
  }

  get seed(): number {
    return this.options.seed;
  }

  /** Greedy: temperature 0 (the chain then keeps exactly the argmax). */
  get greedy(): boolean {
    return this.options.temperature === 0;
  }

  /**
   * One token id from `logits` ([vocab]; not modified). `history` is every id so far (prompt and
   * generated), needed by the repetition penalty.
   */
  sample(logits: Float32Array, history: ArrayLike<number> = []): number {
    // Plain greedy needs no candidate copy.
    if (this.greedy && this.options.repetitionPenalty === 1) return argmax(logits);
    const c = (this.candidates ??= new Candidates(logits.length)).load(logits);
    for (const p of this.processors) p.apply(c, history);
    if (c.size === 1) return c.ids[0]!;
    const probs = c.probabilities();
    const u = this.rng.uniform();
    let cdf = 0;
    for (let i = 0; i < c.size; i++) {
      cdf += probs[i]!;
      if (u < cdf) return c.ids[i]!;
    }
    // Rounding left the total a hair under u: the last candidate with non-zero probability.
    for (let i = c.size - 1; i > 0; i--) if (probs[i]! > 0) return c.ids[i]!;
    return c.ids[0]!;
  }
}
