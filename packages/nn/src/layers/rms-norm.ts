import { rmsNorm, type Variable } from "@mini/autograd";
import { ConfigError } from "../errors.js";
import { ones } from "../init.js";
import { Module, at } from "../module.js";
import type { ParamSource } from "../param-source.js";
import type { Parameter } from "../parameter.js";
import { asVariable, type Input } from "../input.js";

/** RMS normalisation (HF LlamaRMSNorm): x / √(mean(x²) + ε) · weight over the last axis; weight ones. */
export class RMSNorm extends Module {
  /** The ParamSource path this layer was built under (for error messages). */
  readonly path: string;
  readonly weight: Parameter; // [dim]
  readonly eps: number;

  constructor(
    ps: ParamSource,
    readonly dim: number,
    opts: { eps?: number } = {},
  ) {
    super();
    this.path = ps.prefix;
    this.eps = opts.eps ?? 1e-6;
    if (!(this.eps >= 0)) throw new ConfigError(`RMSNorm ${at(ps.prefix)}: eps must be ≥ 0, got ${this.eps}`);
    this.weight = ps.get("weight", [dim], ones());
  }

  override forward(input: Input): Variable {
    const x = asVariable(input);
    if (x.shape[x.shape.length - 1] !== this.dim) {
      throw new RangeError(`RMSNorm ${at(this.path)}: input [${x.shape.join(", ")}] must end in ${this.dim}`);
    }
    return rmsNorm(x, this.weight, this.eps);
  }
}
