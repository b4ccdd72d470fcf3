import { ConfigError } from "../errors.js";
import type { Variable } from "@mini/autograd";
import { Optimizer, checkNumber } from "./optimizer.js";

export interface SgdOptions {
  lr: number;
  momentum?: number;
  dampening?: number;
  weightDecay?: number;
  nesterov?: boolean;
}

/**
 * Stochastic gradient descent with momentum, PyTorch's formulas (torch.optim.SGD):
 *
 *   g ← g + wd·p
 *   b ← g                               (first step)
 *   b ← μ·b + (1 − dampening)·g         (later steps)
 *   g ← g + μ·b if nesterov, else b     (when μ ≠ 0)
 *   p ← p − lr·g
 */
export class SGD extends Optimizer {
  readonly kind: string = "sgd";
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;

  constructor(params: Iterable<Variable>, opts: SgdOptions) {
    super(params, opts.lr, ["momentum_buffer"]);
    this.momentum = checkNumber("SGD", "momentum", opts.momentum ?? 0, 0, Infinity);
    this.dampening = checkNumber("SGD", "dampening", opts.dampening ?? 0, 0, 1, true);
    this.weightDecay = checkNumber("SGD", "weightDecay", opts.weightDecay ?? 0, 0, Infinity);
    this.nesterov = opts.nesterov ?? false;
    if (this.nesterov && (this.momentum === 0 || this.dampening !== 0)) {
      throw new ConfigError(`SGD: nesterov needs momentum > 0 and dampening = 0, got momentum=${this.momentum}, dampening=${this.dampening}`);
    }
  }

  hyperparameters(): Record<string, number | boolean> {
    return { lr: this.lr, momentum: this.momentum, dampening: this.dampening, weightDecay: this.weightDecay, nesterov: this.nesterov };
  }

  protected setHyperparameters(h: Record<string, number | boolean>): void {
    this.lr = checkNumber("SGD", "lr", h.lr, 0, Infinity);
    this.momentum = checkNumber("SGD", "momentum", h.momentum, 0, Infinity);
    this.dampening = checkNumber("SGD", "dampening", h.dampening, 0, 1, true);
    this.weightDecay = checkNumber("SGD", "weightDecay", h.weightDecay, 0, Infinity);
    this.nesterov = h.nesterov === true;
  }

  protected update(i: number, p: Float32Array, g: Float32Array, t: number): void {
    const buf = this.slot("momentum_buffer", i);
    const { lr, momentum, dampening, weightDecay, nesterov } = this;
    const first = t === 1;
    const n = p.length;
    for (let j = 0; j < n; j++) {
      let d = g[j]! + weightDecay * p[j]!;
      if (momentum !== 0) {
        const b = Math.fround(first ? d : momentum * buf[j]! + (1 - dampening) * d);
        buf[j] = b;
        d = nesterov ? d + momentum * b : b;
      }
      p[j] = p[j]! - lr * d;
    }
  }
}
