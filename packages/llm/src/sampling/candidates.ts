/**
 * The working set of a sampling step: token ids with their (processed) logits. It starts as the
 * whole vocabulary in id order; top-k / top-p / min-p shrink it, and once shrunk it is kept sorted
 * by descending logit (ties → lower id first), so later processors and the final draw work on a
 * few dozen entries instead of the 32k vocabulary.
 *
 * Buffers are allocated once per vocabulary size and reused every token.
 */
export class Candidates {
  /** ids[0 … size) are the candidate token ids. */
  ids: Int32Array;
  /** logits[i] belongs to ids[i]. */
  logits: Float32Array;
  size = 0;
  /** ids[i] === i for every i < size (the untouched full vocabulary): lets processors index by id. */
  identity = true;
  /** Sorted by descending logit, ties → lower id first. */
  sorted = false;
  private probs: Float64Array;
  /** max and Σ exp(logit − max) of the last `probabilities()` call. */
  private softmaxMax = 0;
  private softmaxSum = 1;

  constructor(capacity: number) {
    this.ids = new Int32Array(capacity);
    this.logits = new Float32Array(capacity);
    this.probs = new Float64Array(capacity);
  }

  /** Resets to the full vocabulary with a copy of `logits` (the model's buffer is never written). */
  load(logits: Float32Array): this {
    const n = logits.length;
    if (this.ids.length < n) {
      this.ids = new Int32Array(n);
      this.logits = new Float32Array(n);
      this.probs = new Float64Array(n);
    }
    this.logits.set(logits);
    for (let i = 0; i < n; i++) this.ids[i] = i;
    this.size = n;
    this.identity = true;
    this.sorted = false;
    return this;
  }

  /**
   * Softmax of the current logits, in float64 (max-subtracted). The returned view is reused by the
   * next call. A candidate whose logit is −∞ gets probability 0.
   */
  probabilities(): Float64Array {
    const n = this.size;
    const x = this.logits;
    let max = -Infinity;
    for (let i = 0; i < n; i++) if (x[i]! > max) max = x[i]!;
    const p = this.probs.subarray(0, n);
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const e = Math.exp(x[i]! - max);
      p[i] = e;
      sum += e;
    }
    for (let i = 0; i < n; i++) p[i] = p[i]! / sum;
    this.softmaxMax = max;
    this.softmaxSum = sum;
    return p;
  }

  /** The probability the last `probabilities()` call gave (bit for bit) to a candidate with this logit. */
  probabilityOfLogit(logit: number): number {
    return Math.exp(logit - this.softmaxMax) / this.softmaxSum;
  }

  /** Keeps the entries at the given positions, in that order (used after a selection). */
  select(positions: ArrayLike<number>, sortedAfter: boolean): void {
    const n = positions.length;
    const ids = new Int32Array(n);
    const logits = new Float32Array(n);
    for (let t = 0; t < n; t++) {
      ids[t] = this.ids[positions[t]!]!;
      logits[t] = this.logits[positions[t]!]!;
    }
    this.ids.set(ids);
    this.logits.set(logits);
    this.size = n;
    this.identity = false;
    this.sorted = sortedAfter;
  }

  /** Sorts the current entries by descending logit, ties → lower id. */
  sort(): void {
    if (this.sorted) return;
    const order = Array.from({ length: this.size }, (_, i) => i);
    order.sort((a, b) => this.logits[b]! - this.logits[a]! || this.ids[a]! - this.ids[b]!);
    this.select(order, true);
  }

  /** Keeps the first n entries (meaningful when sorted). */
  truncate(n: number): void {
    if (n < this.size) {
      this.size = n;
      this.identity = false;
    }
  }
}
