/**
 * Layers applied in order: y = layers[n-1](…layers[1](layers[0](x))). Each layer's parameters keep
 * the names they were created under (build them from `ps.pp("0")`, `ps.pp("1")`, … to get PyTorch's
 * `nn.Sequential` names).
 *
 *   const mlp = new Sequential(new Linear(ps.pp("0"), 4, 16), new Tanh(), new Linear(ps.pp("2"), 16, 1));
 *   const y = mlp.forward(x); // x: [batch, 4] Variable or Tensor → [batch, 1]
 */
import type { Variable } from "@mini/autograd";
import { ConfigError } from "../errors.js";
import { asVariable, type Input } from "../input.js";
import { Module } from "../module.js";

export class Sequential extends Module {
  readonly layers: readonly Module[];

  constructor(...layers: Module[]) {
    super();
    layers.forEach((l, i) => {
      if (!(l instanceof Module)) throw new ConfigError(`Sequential: layer ${i} is not a Module (got ${l === null ? "null" : typeof l})`);
    });
    this.layers = layers;
  }

  override forward(input: Input): Variable {
    let x = asVariable(input);
    for (const layer of this.layers) x = layer.forward(x);
    return x;
  }
}
