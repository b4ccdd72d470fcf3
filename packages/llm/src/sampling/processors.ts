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
 * probability, whose probability mass reaches p (so at least one token).
 *
 * Sorted candidates (after top-k) are just cut. Unsorted ones (the whole vocabulary) are never
 * sorted with their ids: llama2.c's pre-filter drops every token with probability < (1 − p)/(n − 1)
 * (valid whenever the kept tokens still hold mass ≥ p: then the nucleus is among them), the kept
 * logits alone are sorted (a native numeric sort) to find the nucleus size m and its smallest
 * logit, and only the m chosen candidates are ordered by (logit, id).
 */
export function topPProcessor(p: number): LogitsProcessor {
  const pp = checkTopP(p);
  return {
    name: `topP(${pp})`,
    apply(c) {
      if (pp >= 1 || c.size <= 1) return;
      const probs = c.probabilities();
      if (c.sorted) {
        c.truncate(nucleusSize(probs, (i) => i, c.size, pp) ?? c.size);
        return;
      }
      const n = c.size;
      const cutoff = (1 - pp) / (n - 1);
      let kept = 0;
      let count = 0;
      for (let i = 0; i < n; i++) {
        if (probs[i]! >= cutoff) {
          kept += probs[i]!;
          count++;
        }
      }
      // The pre-filter may keep too little (e.g. p < 1/n on a flat distribution): then use everything.
      const threshold = kept >= pp ? cutoff : -1;
      // Kept positions; their logits sorted descending give the probabilities in nucleus order.
      const pos: number[] = [];
      const values = new Float32Array(kept >= pp ? count : n);
      for (let i = 0; i < n; i++) {
        if (probs[i]! >= threshold) {
          values[pos.length] = c.logits[i]!;
          pos.push(i);
        }
      }
      values.sort().reverse();
      // Walking the sorted logits gives the nucleus size m and its smallest logit.
      let m = values.length;
      let mass = 0;
      for (let t = 0; t < values.length; t++) {
        mass += c.probabilityOfLogit(values[t]!);
        if (mass >= pp) {
          m = t + 1;
          break;
        }
      }
      const last = values[m - 1]!;
      // Every candidate above `last`, then as many at `last` as needed, lowest ids first.
      const above = pos.filter((i) => c.logits[i]! > last);
      const at = pos.filter((i) => c.logits[i]! === last).slice(0, m - above.length);
      const chosen = above.concat(at).sort((a, b) => c.logits[b]! - c.logits[a]! || c.ids[a]! - c.ids[b]!);
      c.select(chosen, true);
    },
  };
}

/**
 * Length of the shortest prefix of `at(0), at(1), …, at(len − 1)` (positions in descending
 * probability order) whose mass reaches p; null if the whole list does not reach it.
 */
function nucleusSize(probs: Float64Array, at: (t: number) => number, len: number, p: number): number | null {
  let mass = 0;
  for (let t = 0; t < len; t++) {
    mass += probs[at(t)]!;
    if (mass >= p) return t + 1;
  }
  return null;
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
