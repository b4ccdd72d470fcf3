import { layerNorm, type Variable } from "@mini/autograd";
import { ConfigError } from "../errors.js";
import { ones, zeros } from "../init.js";
import { Module, at } from "../module.js";
import type { ParamSource } from "../param-source.js";
import type { Parameter } from "../parameter.js";
import { asVariable, type Input } from "../input.js";

export interface LayerNormOptions {
  eps?: number;
  /** Learn a bias [dim] (default true). */
  bias?: boolean;
  /**
   * Where ε goes: "inside" (default, PyTorch): (x − μ)/√(σ² + ε);
   * "outside" (RustGPT's layer_norm.rs): (x − μ)/(σ + ε), σ = √(biased variance).
   * The two differ by about ε/(2σ²) relative, so RustGPT weights need "outside" to reproduce it.
   */
  epsPlacement?: "inside" | "outside";
}

/** Layer normalisation over the last axis: x [..., dim] → same shape; weight ones, bias zeros. */
export class LayerNorm extends Module {
  /** The ParamSource path this layer was built under (for error messages). */
  readonly path: string;
  readonly weight: Parameter; // [dim]
  readonly bias: Parameter | null; // [dim]
  readonly eps: number;
  readonly epsPlacement: "inside" | "outside";

  constructor(
    ps: ParamSource,
    readonly dim: number,
    opts: LayerNormOptions = {},
  ) {
    super();
    this.path = ps.prefix;
    this.eps = opts.eps ?? 1e-5;
    if (!(this.eps >= 0)) throw new ConfigError(`LayerNorm ${at(ps.prefix)}: eps must be ≥ 0, got ${this.eps}`);
    this.epsPlacement = opts.epsPlacement ?? "inside";
    if (this.epsPlacement !== "inside" && this.epsPlacement !== "outside") {
      throw new ConfigError(`LayerNorm ${at(ps.prefix)}: epsPlacement must be "inside" or "outside", got "${String(this.epsPlacement)}"`);
    }
    this.weight = ps.get("weight", [dim], ones());
    this.bias = (opts.bias ?? true) ? ps.get("bias", [dim], zeros()) : null;
  }

  override forward(input: Input): Variable {
    const x = asVariable(input);
    if (x.shape[x.shape.length - 1] !== this.dim) {
      throw new RangeError(`LayerNorm ${at(this.path)}: input [${x.shape.join(", ")}] must end in ${this.dim}`);
    }
    // One fused op either way (RustGPT's form: @mini/tensor's layerNormStdEps kernel pair).
    return layerNorm(x, this.weight, this.bias, this.eps, { epsPlacement: this.epsPlacement });
  }
}
