import { linear, type Variable } from "@mini/autograd";
import { ShapeError } from "@mini/tensor";
import { kaimingUniform, uniform, type Init } from "../init.js";
import { Module, at } from "../module.js";
import type { ParamSource } from "../param-source.js";
import type { Parameter } from "../parameter.js";
import { asVariable, type Input } from "../input.js";

export interface LinearOptions {
  /** Learn a bias [out] (default true, as torch.nn.Linear; HF Llama projections have none). */
  bias?: boolean;
  /** Weight init (default PyTorch's: U(±1/√in)). */
  init?: Init;
  /** Bias init (default PyTorch's: U(±1/√in)). */
  biasInit?: Init;
}

/**
 * y = x·Wᵀ + b over the last axis: x [..., in] → y [..., out].
 * Weight [out, in] as in PyTorch and HF files (`q_proj.weight`), so loading needs no transpose;
 * the forward is autograd's fused `linear` (one matmulTransB over all leading dims, the bias
 * written first and accumulated onto, so there is no separate broadcast add).
 */
export class Linear extends Module {
  /** The ParamSource path this layer was built under (for error messages). */
  readonly path: string;
  readonly weight: Parameter; // [out, in]
  readonly bias: Parameter | null; // [out]

  constructor(
    ps: ParamSource,
    readonly inFeatures: number,
    readonly outFeatures: number,
    opts: LinearOptions = {},
  ) {
    super();
    this.path = ps.prefix;
    const bound = 1 / Math.sqrt(inFeatures);
    this.weight = ps.get("weight", [outFeatures, inFeatures], opts.init ?? kaimingUniform({ a: Math.sqrt(5) }));
    this.bias = (opts.bias ?? true) ? ps.get("bias", [outFeatures], opts.biasInit ?? uniform(-bound, bound)) : null;
  }

  override forward(input: Input): Variable {
    const x = asVariable(input);
    const last = x.shape[x.shape.length - 1];
    if (last !== this.inFeatures) {
      throw new ShapeError(`Linear ${at(this.path)}: input [${x.shape.join(", ")}] must end in ${this.inFeatures} (in features), got ${last}`);
    }
    return linear(x, this.weight, this.bias);
  }
}
