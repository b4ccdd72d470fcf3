import { kernels } from "@mini/tensor";
import type { Variable } from "@mini/autograd";
import { Optimizer, checkNumber } from "./optimizer.js";

export interface AdamOptions {
  lr?: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  /** Adam: L2 penalty added to the gradient. AdamW: decoupled decay p ← p·(1 − lr·wd). */
  weightDecay?: number;
}

/**
 * Adam (Kingma & Ba) with PyTorch's formulas (torch.optim.Adam, single-tensor path), step t ≥ 1:
 *
 *   g ← g + wd·p                      (Adam only: L2 penalty in the gradient)
 *   p ← p·(1 − lr·wd)                 (AdamW only: decoupled decay, before the Adam step)
 *   m ← β1·m + (1 − β1)·g
 *   v ← β2·v + (1 − β2)·g²
 *   p ← p − (lr / (1 − β1ᵗ)) · m / (√v / √(1 − β2ᵗ) + ε)
 *
 * (ε is added after the bias correction of √v, as in PyTorch.) The arithmetic runs in float64 and
 * is stored as float32, so results agree with PyTorch's float32 ops to rounding. The loop itself is
 * @mini/tensor's `kernels.adamStep`.
 */
abstract class AdamBase extends Optimizer {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  protected abstract readonly decoupled: boolean;

  protected constructor(params: Iterable<Variable>, opts: AdamOptions, defaultWeightDecay: number) {
    super(params, opts.lr ?? 1e-3, ["exp_avg", "exp_avg_sq"]);
    const who = new.target.name;
    this.beta1 = checkNumber(who, "beta1", opts.beta1 ?? 0.9, 0, 1);
    this.beta2 = checkNumber(who, "beta2", opts.beta2 ?? 0.999, 0, 1);
    this.eps = checkNumber(who, "eps", opts.eps ?? 1e-8, 0, Infinity);
    this.weightDecay = checkNumber(who, "weightDecay", opts.weightDecay ?? defaultWeightDecay, 0, Infinity);
  }

  hyperparameters(): Record<string, number | boolean> {
    return { lr: this.lr, beta1: this.beta1, beta2: this.beta2, eps: this.eps, weightDecay: this.weightDecay };
  }

  protected setHyperparameters(h: Record<string, number | boolean>): void {
    const who = this.constructor.name;
    this.lr = checkNumber(who, "lr", h.lr, 0, Infinity);
    this.beta1 = checkNumber(who, "beta1", h.beta1, 0, 1);
    this.beta2 = checkNumber(who, "beta2", h.beta2, 0, 1);
    this.eps = checkNumber(who, "eps", h.eps, 0, Infinity);
    this.weightDecay = checkNumber(who, "weightDecay", h.weightDecay, 0, Infinity);
  }

  protected update(i: number, p: Float32Array, g: Float32Array, t: number): void {
    // One fused in-place pass over p, g and both moments (@mini/tensor's adamStep kernel).
    kernels.adamStep(p, g, this.slot("exp_avg", i), this.slot("exp_avg_sq", i), this.stepOptions(t));
  }

  /** Every parameter in one adamSteps call: one kernel-pool round when they are pinned (same bits as update()). */
  protected override updateAll(indices: readonly number[], t: number): void {
    const p = indices.map((i) => this.params[i]!.value.data);
    const g = indices.map((i) => this.params[i]!.grad!.data);
    kernels.adamSteps(p, g, indices.map((i) => this.slot("exp_avg", i)), indices.map((i) => this.slot("exp_avg_sq", i)), this.stepOptions(t));
  }

  private stepOptions(t: number): kernels.AdamStepOptions {
    const { lr, beta1, beta2, eps, weightDecay } = this;
    return { lr, beta1, beta2, eps, weightDecay, decoupled: this.decoupled, step: t };
  }
}

/** Adam; `weightDecay` (default 0) is an L2 penalty added to the gradient, as in torch.optim.Adam. */
export class Adam extends AdamBase {
  readonly kind: string = "adam";
  protected readonly decoupled = false;
  constructor(params: Iterable<Variable>, opts: AdamOptions = {}) {
    super(params, opts, 0);
  }
}

/** AdamW (Loshchilov & Hutter): decoupled weight decay (default 0.01, as torch.optim.AdamW). */
export class AdamW extends AdamBase {
  readonly kind: string = "adamw";
  protected readonly decoupled = true;
  constructor(params: Iterable<Variable>, opts: AdamOptions = {}) {
    super(params, opts, 0.01);
  }
}
