import { Tensor, kernels } from "@mini/tensor";
import { ConfigError, StateDictError } from "../errors.js";
import type { Variable } from "@mini/autograd";
import { Parameter } from "../parameter.js";

/**
 * What an optimizer saves: its kind, hyperparameters, step count and per-parameter state tensors
 * named `<parameter name>.<slot>` (`layers.0.mlp.up_proj.weight.exp_avg`), so a checkpoint is
 * readable and a mismatch names the parameter.
 */
export interface OptimizerState {
  kind: string;
  step: number;
  hyper: Record<string, number | boolean>;
  tensors: Record<string, Tensor>;
}

/**
 * Base of SGD, Adam and AdamW. Per-parameter state ("slots": momentum buffer, moments) lives in
 * one flat tensor per slot, allocated once at construction (llm.c's one-allocation idea), so
 * `step()` is one fused loop per parameter over it. When every parameter is pinned (in the WASM
 * heap, @mini/nn's default) the slots are pinned too, so a WASM optimizer kernel reads parameter,
 * grad and state in place. Views of a slot are made per step (`slot(name, i)`): a view of pinned
 * memory must not be kept across an allocation, which may grow the heap.
 *
 * Parameters whose grad is null (never reached by backward) or that do not require grad are skipped.
 * Any trainable Variable can be optimized (autograd's `param(...)` included): a Parameter is named
 * by its path, another Variable by its label, else by its position (`param0`, `param1`, …).
 */
export abstract class Optimizer {
  abstract readonly kind: string;
  readonly params: readonly Variable[];
  /** The name of each parameter in saved state (`<name>.<slot>`), in `params` order. */
  readonly names: readonly string[];
  /** Learning rate of the next step; set it from a schedule before each step. */
  lr: number;
  /** Number of steps taken (bias correction uses it). */
  stepCount = 0;
  /** slot name → the flat tensor holding that slot for every parameter, in `params` order. */
  private readonly slotStore: Map<string, Tensor> = new Map();
  /** Offset of each parameter in the flat slot tensors (floats). */
  private readonly offsets: number[] = [];

  protected constructor(params: Iterable<Variable>, lr: number, slotNames: readonly string[]) {
    this.params = [...params];
    this.names = this.params.map((p, i) => (p instanceof Parameter ? p.name : (p.label ?? `param${i}`)));
    const seen = new Set<string>();
    const seenVars = new Set<Variable>();
    this.params.forEach((p, i) => {
      const name = this.names[i]!;
      if (seen.has(name) || seenVars.has(p)) throw new ConfigError(`${this.constructor.name}: parameter ${name} is listed twice`);
      seen.add(name);
      seenVars.add(p);
    });
    checkNumber(this.constructor.name, "lr", lr, 0, Infinity);
    this.lr = lr;
    let total = 0;
    for (const p of this.params) {
      this.offsets.push(total);
      total += p.value.size;
    }
    const pinned = this.params.length > 0 && this.params.every((p) => p.value.isPinned);
    for (const slot of slotNames) this.slotStore.set(slot, pinned ? Tensor.pinned([total]) : Tensor.zeros([total]));
  }

  /** Parameter i's part of a slot, as a fresh view (do not keep it across allocations). */
  protected slot(name: string, i: number): Float32Array {
    const off = this.offsets[i]!;
    return this.slotStore.get(name)!.data.subarray(off, off + this.params[i]!.value.size);
  }

  /** Hyperparameters (saved in checkpoints; restored by loadStateDict). */
  abstract hyperparameters(): Record<string, number | boolean>;
  protected abstract setHyperparameters(h: Record<string, number | boolean>): void;
  /** Updates parameter i in place: one loop over its values. `t` is the 1-based step number. */
  protected abstract update(i: number, p: Float32Array, g: Float32Array, t: number): void;

  /** One update of every parameter that has a grad. */
  step(): void {
    checkNumber(this.constructor.name, "lr", this.lr, 0, Infinity);
    this.stepCount++;
    const live: number[] = [];
    for (let i = 0; i < this.params.length; i++) {
      const p = this.params[i]!;
      if (p.grad !== null && p.requiresGrad) live.push(i);
    }
    this.updateAll(live, this.stepCount);
  }

  /**
   * Updates the parameters at `indices` (each has a grad); by default update() one by one. An
   * optimizer with a multi-parameter kernel overrides it (Adam: one kernel-pool round for all).
   */
  protected updateAll(indices: readonly number[], t: number): void {
    for (const i of indices) {
      const p = this.params[i]!;
      // Views of pinned memory are taken here, right before the loop: nothing allocates during it.
      this.update(i, p.value.data, p.grad!.data, t);
    }
  }

  /** Zeroes every parameter's grad (keeping the buffers): pinned grads in one kernel-pool round. */
  zeroGrad(): void {
    const grads: Float32Array[] = [];
    for (const p of this.params) if (p.grad !== null) grads.push(p.grad.data);
    kernels.zeroArrays(grads);
  }

  /**
   * A copy of the state (later steps do not change it). With `reuse` (an earlier stateDict of this
   * optimizer that nothing else holds), the copy is written into reuse's tensors where a name and
   * size match, instead of new buffers: a trainer's per-epoch snapshot then allocates nothing
   * (RustGPT's moments are 4 MB, and fresh buffers that size every epoch cost a major GC each).
   */
  stateDict(reuse?: OptimizerState): OptimizerState {
    const tensors: Record<string, Tensor> = {};
    for (const slot of this.slotStore.keys()) {
      this.params.forEach((p, i) => {
        const name = `${this.names[i]}.${slot}`;
        const source = this.slot(slot, i);
        const old = reuse?.tensors[name];
        if (old !== undefined && old.data.length === source.length && same(old.shape, p.value.shape)) {
          old.data.set(source);
          tensors[name] = old;
        } else tensors[name] = Tensor.from(new Float32Array(source), p.value.shape);
      });
    }
    return { kind: this.kind, step: this.stepCount, hyper: this.hyperparameters(), tensors };
  }

  /**
   * Restores state saved by an optimizer of the same kind over parameters of the same names and
   * shapes (as PyTorch does, the saved hyperparameters, learning rate included, replace the current ones).
   * One StateDictError lists every missing, unexpected and mis-shaped state tensor.
   */
  loadStateDict(state: OptimizerState): void {
    this.checkStateDict(state);
    this.setHyperparameters(state.hyper);
    for (const slot of this.slotStore.keys()) this.params.forEach((_, i) => this.slot(slot, i).set(state.tensors[`${this.names[i]}.${slot}`]!.data));
    this.stepCount = state.step;
  }

  /** Throws what loadStateDict would throw, without changing anything. */
  checkStateDict(state: OptimizerState): void {
    const who = `${this.constructor.name}.loadStateDict`;
    if (state.kind !== this.kind) throw new ConfigError(`${who}: state is from a "${state.kind}" optimizer, this is "${this.kind}"`);
    if (!Number.isInteger(state.step) || state.step < 0) throw new ConfigError(`${who}: step must be an integer ≥ 0, got ${state.step}`);
    const expected = new Map<string, readonly number[]>();
    for (const slot of this.slotStore.keys()) this.params.forEach((p, i) => expected.set(`${this.names[i]}.${slot}`, p.value.shape));
    const names = Object.keys(state.tensors);
    const missing = [...expected.keys()].filter((n) => !(n in state.tensors));
    const unexpected = names.filter((n) => !expected.has(n));
    const misShaped = names
      .filter((n) => expected.has(n) && !same(expected.get(n)!, state.tensors[n]!.shape))
      .map((n) => ({ name: n, expected: expected.get(n)!, got: state.tensors[n]!.shape }));
    if (missing.length + unexpected.length + misShaped.length > 0) throw new StateDictError(who, missing, unexpected, misShaped);
  }
}

function same(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Throws a ConfigError naming the optimizer and field unless lo ≤ v < hi (v finite). */
export function checkNumber(who: string, field: string, v: unknown, lo: number, hi: number, hiInclusive = false): number {
  const ok = typeof v === "number" && Number.isFinite(v) && v >= lo && (hiInclusive ? v <= hi : v < hi);
  if (!ok) throw new ConfigError(`${who}: ${field} must be a number in [${lo}, ${hi}${hiInclusive ? "]" : ")"}, got ${String(v)}`);
  return v as number;
}
