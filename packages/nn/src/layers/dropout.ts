import { dropout, type Variable } from "@mini/autograd";
import type { Rng } from "@mini/tensor";
import { ConfigError } from "../errors.js";
import { Module } from "../module.js";
import { asVariable, type Input } from "../input.js";

/**
 * Inverted dropout: in training mode zeroes each element with probability p and scales the rest by
 * 1/(1 − p); in eval mode (module.eval()) it is the identity. The mask draws come from `rng`, so
 * a seeded generator makes runs reproducible.
 */
export class Dropout extends Module {
  constructor(
    readonly p: number,
    readonly rng: Rng,
  ) {
    super();
    if (!(p >= 0 && p <= 1)) throw new ConfigError(`Dropout: p must be in [0, 1], got ${p}`);
  }

  override forward(input: Input): Variable {
    const x = asVariable(input);
    return dropout(x, this.p, this.rng, this.training);
  }
}
