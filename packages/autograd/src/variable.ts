import { Tensor } from "@mini/tensor";
import { runBackward, type BackwardOptions } from "./tape.js";

/**
 * The recorded step that produced a non-leaf Variable: the op's name (for errors and debugging),
 * its inputs, and a closure that, given d(loss)/d(output), ACCUMULATES d(loss)/d(input) into the
 * grads of the inputs that require grad (micrograd's `_backward`; llm.c's `*_backward` with +=).
 */
export interface Node {
  readonly op: string;
  readonly inputs: readonly Variable[];
  /**
   * dy: the output's gradient, same length as the output; valid only during the call (the engine
   * reuses its buffer afterwards). The engine has allocated every input's grad.
   */
  readonly backward: (dy: Float32Array) => void;
  /**
   * True for ops whose output is its single input's elements in the same order (reshape, a transpose
   * that moves nothing): the input's gradient is dy itself, so the engine may hand dy's buffer to the
   * input instead of running `backward` (which adds dy into the input's grad).
   */
  readonly view?: boolean;
}

/** What the engine tracks per Variable between ops; internal (not exported from index.ts). */
export interface VariableInternals {
  node: Node | null;
  /** The producing op's name; kept after the node is released, for error messages. */
  op: string | undefined;
  released: boolean;
  retain: boolean;
  /** Visit stamp of the last backward pass that walked this variable (cheaper than a Set per pass). */
  visit: number;
}

export interface VariableOptions {
  requiresGrad?: boolean;
  label?: string;
}

/**
 * A tensor value in the autograd graph.
 *
 * A leaf is a Variable you made (a parameter with requiresGrad, or a constant); a non-leaf is the
 * output of a differentiable op on at least one Variable that requires grad, made while gradients
 * are enabled (see noGrad). `grad` has the value's shape and storage kind (pinned in the WASM heap
 * when the value is), is allocated on the first backward that reaches it, and accumulates across
 * backward calls until zeroed. Non-leaf grads are dropped once used, unless `retainGrad()` was called.
 */
export class Variable {
  readonly value: Tensor;
  grad: Tensor | null = null;
  label: string | undefined;
  private _requiresGrad: boolean;
  /** @internal engine state (see tape.ts); not part of the public API. */
  readonly _ag: VariableInternals;

  constructor(value: Tensor, opts: VariableOptions = {}, node: Node | null = null) {
    if (!(value instanceof Tensor)) throw new TypeError(`Variable: value must be a Tensor, got ${describe(value)}`);
    this.value = value;
    this._requiresGrad = node !== null || opts.requiresGrad === true;
    this.label = opts.label;
    this._ag = { node, op: node?.op, released: false, retain: false, visit: 0 };
  }

  /** A trainable leaf: requiresGrad = true. */
  static param(value: Tensor, label?: string): Variable {
    return new Variable(value, { requiresGrad: true, label });
  }

  /** A constant leaf: gradients never flow into it. */
  static constant(value: Tensor, label?: string): Variable {
    return new Variable(value, { requiresGrad: false, label });
  }

  get shape(): readonly number[] {
    return this.value.shape;
  }

  get size(): number {
    return this.value.size;
  }

  get rank(): number {
    return this.value.rank;
  }

  /** The value's numbers (a fresh view for pinned values: do not keep it across allocations). */
  get data(): Float32Array {
    return this.value.data;
  }

  /** True for variables not produced by a recorded op (parameters, inputs, constants). */
  get isLeaf(): boolean {
    return this._ag.node === null && !this._ag.released;
  }

  /** The name of the op that produced this variable, or undefined for a leaf. */
  get op(): string | undefined {
    return this._ag.op;
  }

  get requiresGrad(): boolean {
    return this._requiresGrad;
  }

  /** Freezes or unfreezes a leaf (a non-leaf's requiresGrad follows from its inputs). */
  set requiresGrad(on: boolean) {
    if (this._ag.node !== null) {
      throw new Error(`Variable${this.tag()}: requiresGrad can only be set on a leaf (this one was made by ${this._ag.node.op})`);
    }
    this._requiresGrad = on;
  }

  /** The single number of a one-element variable. */
  item(): number {
    if (this.value.size !== 1) throw new Error(`Variable${this.tag()}.item: needs one element, shape is [${this.shape.join(", ")}]`);
    return this.value.data[0]!;
  }

  /**
   * Reverse-mode pass from this variable: every recorded op reachable from it runs its backward
   * closure once, newest first, accumulating into the grads of the leaves. Without a seed the
   * variable must hold one element (the loss); the seed is d(something)/d(this), of this shape.
   * Afterwards the closures and saved intermediates are released (unless retainGraph).
   */
  backward(seed?: Tensor | Float32Array | number, opts?: BackwardOptions): void {
    runBackward(this, seed, opts);
  }

  /** Keep this non-leaf's grad after backward (by default only leaf grads are kept). */
  retainGrad(): this {
    this._ag.retain = true;
    return this;
  }

  /** A constant leaf sharing this variable's value: gradients stop here. */
  detach(): Variable {
    return new Variable(this.value, { requiresGrad: false, label: this.label });
  }

  /** Sets the grad to zero, keeping its buffer (so a pinned grad stays where the optimizer reads it). */
  zeroGrad(): void {
    if (this.grad !== null) this.grad.data.fill(0);
  }

  toString(): string {
    const kind = this._ag.node ? `op=${this._ag.node.op}` : this._requiresGrad ? "param" : "const";
    return `Variable${this.tag()}(${kind}, ${this.value.toString()})`;
  }

  /** " \"label\"" when labelled, for error messages. */
  tag(): string {
    return this.label === undefined ? "" : ` "${this.label}"`;
  }
}

/** A trainable leaf parameter (alias of Variable.param). */
export function param(value: Tensor, label?: string): Variable {
  return Variable.param(value, label);
}

/** A constant leaf (alias of Variable.constant). */
export function constant(value: Tensor, label?: string): Variable {
  return Variable.constant(value, label);
}

/** Zeroes the grads of all these variables (keeping their buffers). */
export function zeroGrad(vars: Iterable<Variable>): void {
  for (const v of vars) v.zeroGrad();
}

function describe(x: unknown): string {
  if (x === null) return "null";
  if (typeof x === "object") return (x as object).constructor?.name ?? "object";
  return typeof x;
}
