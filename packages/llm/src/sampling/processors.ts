/**
 * Logits processors: small steps that each rewrite or shrink the candidate set of one sampling
 * step. Each factory validates its argument (SamplingOptionError naming the option) when it is
 * called, so a bad value never reaches a generation. The chain order follows HF transformers:
 * repetition penalty → temperature → top-k → top-p → min-p.
 */
import { kernels } from "@mini/tensor";
import { Candidates } from "./candidates.js";
import {
  checkMinP,
  checkRepetitionPenalty,
  checkTemperature,
  checkTopK,
  checkTopP,
  type ResolvedSamplingOptions,
} from "./options.js";

export interface LogitsProcessor {
  readonly name: string;
  /** Rewrites `c` in place. `history` is every id of the sequence so far (prompt and generated). */
  apply(c: Candidates, history: ArrayLike<number>): void;
}

/** HF semantics: each distinct id seen so far gets logit > 0 ? logit / p : logit · p (once, however often it occurred). */
export function repetitionPenaltyProcessor(penalty: number): LogitsProcessor {
  const p = checkRepetitionPenalty(penalty);
  return {
    name: `repetitionPenalty(${p})`,
    apply(c, history) {
      const seen = new Set<number>();
      for (let i = 0; i < history.length; i++) seen.add(history[i]!);
      const penalize = (pos: number) => {
        const x = c.logits[pos]!;
        c.logits[pos] = x > 0 ? x / p : x * p;
      };
      if (c.identity) {
        for (const id of seen) if (id >= 0 && id < c.size) penalize(id);
      } else {
        for (let i = 0; i < c.size; i++) if (seen.has(c.ids[i]!)) penalize(i);
      }
      // Penalizing changes the order of what it touched.
      c.sorted = false;
    },
  };
}

/** Divides logits by t; t = 0 keeps only the argmax (greedy; ties → lowest id). */
export function temperatureProcessor(t: number): LogitsProcessor {
  const temp = checkTemperature(t);
  return {
    name: `temperature(${temp})`,
    apply(c) {
      if (temp === 0) {
        let best = 0;
        for (let i = 1; i < c.size; i++) {
          const x = c.logits[i]!;
          const b = c.logits[best]!;
          if (x > b || (x === b && c.ids[i]! < c.ids[best]!)) best = i;
        }
        c.select([best], true);
        return;
      }
      const inv = 1 / temp;
      for (let i = 0; i < c.size; i++) c.logits[i] = c.logits[i]! * inv;
    },
  };
}

/**
 * Keeps the k largest logits, sorted. A size-k heap selection (O(V log k)) rather than a sort of
 * the whole vocabulary; the result is sorted, so top-p and min-p after it never sort again.
 */
export function topKProcessor(k: number): LogitsProcessor {
  const kk = checkTopK(k);
  return {
    name: `topK(${kk})`,
    apply(c) {
      if (kk === 0 || kk >= c.size) return;
      if (c.sorted) return c.truncate(kk);
      // Unsorted candidates are always in ascending id order, so topK's "ties → lower index"
      // is "ties → lower id".
      const { indices } = kernels.topK(c.logits.subarray(0, c.size), kk);
      c.select(indices, true);
    },
  };
}

/**
 * Nucleus sampling: keeps exactly the smallest prefix of the candidates, by descending
 * probability, whose probability mass reaches p (so at least one token). Unsorted candidates are
 * first cut by llama2.c's pre-filter: a token with probability < (1 − p) / (n − 1) cannot be in
 * the nucleus when the kept ones already hold mass ≥ p, so only those few are sorted.
 */
export function topPProcessor(p: number): LogitsProcessor {
  const pp = checkTopP(p);
  return {
    name: `topP(${pp})`,
    apply(c) {
      if (pp >= 1 || c.size <= 1) return;
      const probs = c.probabilities();
      const n = c.size;
      // order: positions of the candidates by descending probability.
      let order: number[];
      if (c.sorted) {
        order = Array.from({ length: n }, (_, i) => i);
      } else {
        const cutoff = (1 - pp) / (n - 1);
        order = [];
        let kept = 0;
        for (let i = 0; i < n; i++) {
          if (probs[i]! >= cutoff) {
            order.push(i);
            kept += probs[i]!;
          }
        }
        // The pre-filter is only valid if what it kept reaches p (it may not, e.g. p < 1/n on a flat distribution).
        if (kept < pp) order = Array.from({ length: n }, (_, i) => i);
        // By logit (the probabilities' order, without their rounding ties), ties → lower id.
        order.sort((a, b) => c.logits[b]! - c.logits[a]! || c.ids[a]! - c.ids[b]!);
      }
      let mass = 0;
      let m = 0;
      while (m < order.length) {
        mass += probs[order[m]!]!;
        m++;
        if (mass >= pp) break;
      }
      if (c.sorted) c.truncate(m);
      else c.select(order.slice(0, m), true);
    },
  };
}

/** Keeps the tokens whose probability is at least minP × the largest probability. */
export function minPProcessor(p: number): LogitsProcessor {
  const mp = checkMinP(p);
  return {
    name: `minP(${mp})`,
    apply(c) {
      if (mp === 0 || c.size <= 1) return;
      const probs = c.probabilities();
      let max = 0;
      for (let i = 0; i < c.size; i++) if (probs[i]! > max) max = probs[i]!;
      const threshold = mp * max;
      const keep: number[] = [];
      for (let i = 0; i < c.size; i++) if (probs[i]! >= threshold) keep.push(i);
      if (keep.length < c.size) c.select(keep, c.sorted);
    },
  };
}

/** The chain for resolved options, skipping the processors whose value is their no-op. */
export function buildProcessors(o: ResolvedSamplingOptions): LogitsProcessor[] {
  const chain: LogitsProcessor[] = [];
  if (o.repetitionPenalty !== 1) chain.push(repetitionPenaltyProcessor(o.repetitionPenalty));
  if (o.temperature !== 1) chain.push(temperatureProcessor(o.temperature));
  // After greedy, a single candidate is left: the rest would be no-ops.
  if (o.temperature === 0) return chain;
  if (o.topK !== 0) chain.push(topKProcessor(o.topK));
  if (o.topP !== 1) chain.push(topPProcessor(o.topP));
  if (o.minP !== 0) chain.push(minPProcessor(o.minP));
  return chain;
}

export { Candidates };
