/**
 * What the trainer needs from a model, and the CausalLM side of a trainable model.
 *
 * A trainable model computes a whole batch through autograd (`logits`). To serve generation and
 * chat (the shared `CausalLM` interface) it keeps the token history in a `TokenHistoryCache` and
 * recomputes the whole sequence on each call, without recording gradients: with contexts of ~80
 * tokens this costs little, and it means one forward implementation serves training and inference.
 */
import { noGrad, type Variable } from "@mini/autograd";
import type { Module, Parameter } from "@mini/nn";
import type { CausalLM, CausalLMConfig, ForwardOptions, KVCache } from "../models/causal-lm.js";

export interface TrainableLM extends CausalLM {
  readonly config: CausalLMConfig;
  /** The module tree (parameters, state dict). */
  readonly module: Module;
  /**
   * ids [B·T] (row-major [B, T]) → logits Variable [B, T, vocab], recorded for backward when
   * gradients are on. paddingMask [B·T]: 1 = real token, 0 = padding (right-padded batches).
   */
  logits(ids: Int32Array, batch: number, seqLen: number, paddingMask?: Uint8Array): Variable;
  parameters(): Parameter[];
  numParameters(): number;
  /** A JSON description of the architecture (saved in checkpoints; compared on resume). */
  describe(): Record<string, unknown>;
}

/** The "cache" of a recomputing model: just the tokens fed so far. */
export class TokenHistoryCache implements KVCache {
  private readonly tokens: number[] = [];
  constructor(readonly maxLen: number) {}

  get position(): number {
    return this.tokens.length;
  }

  /** The tokens fed so far (read-only view for the model). */
  history(): readonly number[] {
    return this.tokens;
  }

  append(tokens: ArrayLike<number>): void {
    for (let i = 0; i < tokens.length; i++) this.tokens.push(tokens[i]!);
  }

  truncate(pos: number): void {
    if (!(Number.isInteger(pos) && pos >= 0)) throw new RangeError(`TokenHistoryCache.truncate: pos must be an integer ≥ 0, got ${pos}`);
    if (pos < this.tokens.length) this.tokens.length = pos;
  }

  clear(): void {
    this.tokens.length = 0;
  }
}

/**
 * CausalLM.forward for a model with a batch `logits`: appends `tokens` to the history and runs
 * the whole history (no grad); returns the last row ([vocab]) or the rows of the fed tokens.
 */
export function recomputeForward(model: TrainableLM, tokens: ArrayLike<number>, cache: KVCache, opts: ForwardOptions = {}): Float32Array {
  if (!(cache instanceof TokenHistoryCache)) {
    throw new TypeError(`${model.constructor.name}.forward: the cache must come from this model's newCache()`);
  }
  const n = tokens.length;
  if (n === 0) throw new RangeError(`${model.constructor.name}.forward: no tokens to feed`);
  const total = cache.position + n;
  if (total > cache.maxLen) {
    throw new RangeError(
      `${model.constructor.name}.forward: ${cache.position} cached + ${n} new tokens = ${total} exceed the context of ${cache.maxLen}`,
    );
  }
  const V = model.config.vocabSize;
  for (let i = 0; i < n; i++) {
    const id = tokens[i]!;
    if (!Number.isInteger(id) || id < 0 || id >= V) throw new RangeError(`${model.constructor.name}.forward: tokens[${i}] = ${id} is not in [0, ${V})`);
  }
  cache.append(tokens);
  const ids = Int32Array.from(cache.history());
  const logits = noGrad(() => model.logits(ids, 1, total)).data; // [total, V]
  const first = opts.allLogits ? total - n : total - 1;
  return logits.slice(first * V, total * V);
}
