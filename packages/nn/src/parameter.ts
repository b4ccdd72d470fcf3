import { Variable } from "@mini/autograd";
import type { Tensor } from "@mini/tensor";

/**
 * A trainable leaf Variable with a name: the full dotted path it was created under through a
 * `ParamSource` (`model.layers.0.self_attn.q_proj.weight`). The name is the parameter's identity
 * in state dicts, safetensors files, checkpoints and optimizer state, so it is fixed at creation.
 */
export class Parameter extends Variable {
  readonly name: string;

  constructor(value: Tensor, name: string) {
    super(value, { requiresGrad: true, label: name });
    this.name = name;
  }
}
