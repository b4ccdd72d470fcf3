/**
 * The base of every trainable model (TinyLlama, RustGptModel): a @mini/nn module tree plus the
 * TrainableLM contract around it. A family supplies its module and `run` (ids → logits through
 * autograd); the checks, the recomputing CausalLM side, parameters and describe() live here once.
 */
import type { Variable } from "@mini/autograd";
import type { Module, Parameter } from "@mini/nn";
import type { CausalLMConfig, ForwardOptions, KVCache } from "../models/causal-lm.js";
import { recomputeForward, TokenHistoryCache, type TrainableLM } from "./trainable-lm.js";

/** What `run` receives besides the ids: a key mask [B·T] (1 = real token) only when the batch has padding. */
export interface RunInputs {
  keyMask?: Uint8Array;
}

export abstract class TrainableModel<C extends CausalLMConfig, M extends Module> implements TrainableLM {
  /**
   * @param architecture the name saved in checkpoints and compared on resume ("tiny-llama", "rustgpt").
   */
  protected constructor(
    readonly config: C,
    readonly module: M,
    private readonly architecture: string,
  ) {}

  /** ids [B·T] (row-major) → logits [B, T, vocab]; `inputs` as RunInputs. Shapes are checked by logits(). */
  protected abstract run(ids: Int32Array, batch: number, seqLen: number, inputs: RunInputs): Variable;

  logits(ids: Int32Array, batch: number, seqLen: number, paddingMask?: Uint8Array): Variable {
    const who = `${this.constructor.name}.logits`;
    if (ids.length !== batch * seqLen) throw new RangeError(`${who}: ${ids.length} ids for batch ${batch} × seqLen ${seqLen}`);
    if (seqLen > this.config.maxSeqLen) {
      throw new RangeError(`${who}: ${seqLen} positions exceed the model's context of ${this.config.maxSeqLen} (maxSeqLen)`);
    }
    return this.run(ids, batch, seqLen, paddingMask && hasPadding(paddingMask) ? { keyMask: paddingMask } : {});
  }

  newCache(maxLen = this.config.maxSeqLen): KVCache {
    return new TokenHistoryCache(Math.min(maxLen, this.config.maxSeqLen));
  }

  forward(tokens: ArrayLike<number>, cache: KVCache, opts?: ForwardOptions): Float32Array {
    return recomputeForward(this, tokens, cache, opts);
  }

  parameters(): Parameter[] {
    return this.module.parameters();
  }

  numParameters(): number {
    return this.module.numParameters();
  }

  describe(): Record<string, unknown> {
    return { architecture: this.architecture, ...(this.config as object) };
  }
}

/** True when some position is padding (a batch of full rows needs no mask). */
export function hasPadding(mask: Uint8Array): boolean {
  for (let i = 0; i < mask.length; i++) if (mask[i] === 0) return true;
  return false;
}
