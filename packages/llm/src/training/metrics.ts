/**
 * Training metrics: perplexity, running means, throughput, and a finite-loss guard.
 */

/** Perplexity of a mean cross-entropy (nats per token): e^loss. */
export function perplexity(meanLoss: number): number {
  return Math.exp(meanLoss);
}

/** A mean weighted by counts (loss per batch weighted by its scored targets → loss per token). */
export class WeightedMean {
  private sum = 0;
  private weight = 0;

  add(value: number, weight = 1): void {
    this.sum += value * weight;
    this.weight += weight;
  }

  get value(): number {
    return this.weight === 0 ? Number.NaN : this.sum / this.weight;
  }

  get count(): number {
    return this.weight;
  }
}

/** Tokens per second over a wall-clock span. */
export function tokensPerSecond(tokens: number, seconds: number): number {
  return seconds > 0 ? tokens / seconds : 0;
}

/** Seconds since `start` (a performance.now() reading). */
export function secondsSince(start: number): number {
  return (performance.now() - start) / 1000;
}

/** Thrown by the trainer when the loss or the gradient norm stops being finite. */
export class NonFiniteError extends Error {
  override name = "NonFiniteError";
  constructor(
    readonly what: "loss" | "gradient norm",
    readonly value: number,
    readonly phase: string,
    readonly epoch: number,
    readonly step: number,
  ) {
    super(
      `${phase}: ${what} became ${value} at epoch ${epoch + 1}, step ${step}; training stopped ` +
        `(lower the learning rate, or keep gradient clipping on)`,
    );
  }
}

/** Result of exact-match evaluation over dialogues. */
export interface ExactMatchResult {
  readonly matched: number;
  readonly total: number;
  readonly rate: number;
  /** The questions whose greedy answer differed, with what came (for reports). */
  readonly misses: readonly { question: string; expected: string; got: string }[];
}
