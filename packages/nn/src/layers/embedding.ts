import { add, embedding, type Variable } from "@mini/autograd";
import { normal, type Init } from "../init.js";
import { Module, at } from "../module.js";
import type { ParamSource } from "../param-source.js";
import type { Parameter } from "../parameter.js";
import { asVariable, type Input } from "../input.js";

/**
 * Token embedding: ids → rows of weight [vocab, dim] (HF `embed_tokens.weight`).
 * Its weight can be tied to an output head by passing `embedding.weight` to matmulTransB.
 */
export class Embedding extends Module {
  /** The ParamSource path this layer was built under (for error messages). */
  readonly path: string;
  readonly weight: Parameter; // [vocab, dim]

  constructor(
    ps: ParamSource,
    readonly numEmbeddings: number,
    readonly dim: number,
    opts: { init?: Init } = {},
  ) {
    super();
    this.path = ps.prefix;
    this.weight = ps.get("weight", [numEmbeddings, dim], opts.init ?? normal(1));
  }

  /** ids (integers in [0, vocab)) of shape `shape` (default [ids.length]) → [...shape, dim]. */
  override forward(ids: ArrayLike<number>, shape?: readonly number[]): Variable {
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      if (!Number.isInteger(id) || id < 0 || id >= this.numEmbeddings) {
        throw new RangeError(`Embedding ${at(this.path)}: ids[${i}] = ${id} is not a token id in [0, ${this.numEmbeddings})`);
      }
    }
    return embedding(this.weight, ids, shape);
  }
}

/**
 * Learned absolute positions (GPT-2's `wpe`, RustGPT's positional embedding): weight [maxLen, dim];
 * forward adds row startPos + t to position t of x [..., T, dim].
 */
export class PositionalEmbedding extends Module {
  /** The ParamSource path this layer was built under (for error messages). */
  readonly path: string;
  readonly weight: Parameter; // [maxLen, dim]

  constructor(
    ps: ParamSource,
    readonly maxLen: number,
    readonly dim: number,
    opts: { init?: Init } = {},
  ) {
    super();
    this.path = ps.prefix;
    this.weight = ps.get("weight", [maxLen, dim], opts.init ?? normal(0.02));
  }

  override forward(input: Input, startPos = 0): Variable {
    const x = asVariable(input);
    const r = x.shape.length;
    const T = x.shape[r - 2];
    if (r < 2 || x.shape[r - 1] !== this.dim) {
      throw new RangeError(`PositionalEmbedding ${at(this.path)}: input must be [..., T, ${this.dim}], got [${x.shape.join(", ")}]`);
    }
    if (startPos + T! > this.maxLen) {
      throw new RangeError(`PositionalEmbedding ${at(this.path)}: positions ${startPos}..${startPos + T! - 1} needed, the table holds ${this.maxLen} (maxLen)`);
    }
    const ids = Array.from({ length: T! }, (_, t) => startPos + t);
    return add(x, embedding(this.weight, ids)); // positions [T, dim] broadcast over the leading dims of x
  }
}
