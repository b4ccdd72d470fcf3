import { Tensor, kernels } from "@mini/tensor";
import { isGradEnabled } from "./no-grad.js";
import { Variable } from "./variable.js";

/**
 * The tape: recording and replaying backward closures.
 *
 * Recording. Every differentiable op computes its value with a kernel, then calls `record`, which
 * (when gradients are enabled and some input requires grad) hangs a Node { op, inputs, backward }
 * on the output Variable. The graph therefore lives on the variables themselves, as in micrograd:
 * nothing global grows, so a forward pass that is never differentiated is simply garbage.
 *
 * Replaying. `runBackward(loss)` walks the nodes reachable from the loss (iterative DFS, post-order
 * = a topological order: every input before the ops that consume it) — that list is the tape of
 * this loss — and runs the closures newest first. A closure ACCUMULATES into its inputs' grads, so
 * a value used twice receives both contributions.
 *
 * Freeing. Right after a node's closure has run, the node is cut from its Variable: the closure,
 * the references to the inputs and everything the closure saved (activations, softmax outputs,
 * norm statistics) become garbage, and the non-leaf's grad buffer is dropped too. Only leaf grads
 * survive. Memory after step N of training is therefore independent of N. A second backward
 * through a released node throws (pass { retainGraph: true } to keep the tape for another pass).
 */

/** A backward closure: reads dy (valid during the call only) and adds into its inputs' grads. */
export type BackwardFn = (dy: Float32Array) => void;

export interface BackwardOptions {
  /** Keep the closures after this pass, so backward can run through the same graph again. */
  retainGraph?: boolean;
}

/** True when an op on these inputs must record a backward closure. */
export function needsGrad(a: Variable, b?: Variable, c?: Variable): boolean {
  if (!isGradEnabled()) return false;
  return a.requiresGrad || (b !== undefined && b.requiresGrad) || (c !== undefined && c.requiresGrad);
}

/**
 * The output Variable of an op: with a recorded backward closure when gradients are enabled and
 * some input requires grad, else a constant (the closure is dropped unused).
 */
export function record(op: string, value: Tensor, inputs: readonly Variable[], backward: BackwardFn): Variable {
  if (!isGradEnabled()) return new Variable(value, NO_OPTIONS);
  let any = false;
  for (let i = 0; i < inputs.length; i++) if (inputs[i]!.requiresGrad) any = true;
  if (!any) return new Variable(value, NO_OPTIONS);
  return new Variable(value, NO_OPTIONS, { op, inputs, backward });
}

const NO_OPTIONS = Object.freeze({});

/**
 * The output of an op that only re-labels its input's elements (same elements, same order: reshape,
 * a transpose that moves nothing), given as a view of the input's storage. Its backward adds dy into
 * x's grad; but when x's grad does not exist yet (x is a non-leaf, and nothing else has sent it a
 * gradient) the engine gives x the dy buffer itself instead: no allocation, no copy.
 */
export function recordView(op: string, value: Tensor, x: Variable): Variable {
  if (!isGradEnabled() || !x.requiresGrad) return new Variable(value, NO_OPTIONS);
  return new Variable(value, NO_OPTIONS, {
    op,
    inputs: [x],
    view: true,
    backward: (dy) => {
      kernels.axpy(1, dy, gradOf(x));
    },
  });
}

/**
 * The grad buffer of an input inside a backward closure. The engine allocates it before the
 * closure runs; only call it for inputs with requiresGrad.
 */
export function gradOf(v: Variable): Float32Array {
  return v.grad!.data;
}

/**
 * Non-leaf grad buffers of one backward pass, by length, for reuse. A non-leaf's grad is dead as soon
 * as its closure has run (unless retained), so its buffer comes here and the next non-leaf grad of the
 * same length takes it (zero-filled) instead of a fresh Float32Array: a fresh one costs ~0.25 µs per
 * KB in allocation and garbage collection, several times the fill, which adds up to a large share of
 * a training step of a small model. The pool lives for one pass, so nothing is held between steps.
 * (This is why a closure must not keep `dy` after it returns.)
 */
class GradPool {
  private readonly free = new Map<number, Float32Array[]>();

  /** A zeroed array of length n: a returned one if there is one, else a new one. */
  take(n: number): Float32Array {
    const reused = this.free.get(n)?.pop();
    return reused === undefined ? new Float32Array(n) : reused.fill(0);
  }

  give(a: Float32Array): void {
    const list = this.free.get(a.length);
    if (list === undefined) this.free.set(a.length, [a]);
    else list.push(a);
  }
}

/**
 * A zero grad of the value's shape. A leaf with a pinned value (a parameter in the WASM heap) gets a
 * pinned grad, so the optimizer runs over WASM memory; non-leaf grads are always JS arrays (from the
 * pass's pool), so the `dy` handed to a closure never goes stale when a WASM kernel grows the heap
 * mid-closure.
 */
function allocGrad(v: Variable, pool: GradPool): Tensor {
  const leaf = v._ag.node === null && !v._ag.released;
  const g = leaf ? (v.value.isPinned ? Tensor.pinned(v.shape) : Tensor.zeros(v.shape)) : Tensor.from(pool.take(v.size), v.shape);
  v.grad = g;
  return g;
}

let passCounter = 0;

function where(v: Variable): string {
  return `${v.label === undefined ? "a variable" : `"${v.label}"`} of shape [${v.shape.join(", ")}]${v.op ? ` made by ${v.op}` : ""}`;
}

const RELEASED_HINT =
  "the tape frees closures and intermediates after backward(); recompute the forward pass, or pass { retainGraph: true } to the earlier backward()";

/** Non-leaf variables reachable from root through inputs that require grad, inputs first. */
function topoOrder(root: Variable): Variable[] {
  const stamp = ++passCounter;
  const order: Variable[] = [];
  if (root._ag.node === null) return order;
  const stack: Variable[] = [root];
  const next: number[] = [0];
  root._ag.visit = stamp;
  while (stack.length > 0) {
    const top = stack.length - 1;
    const v = stack[top]!;
    const inputs = v._ag.node!.inputs;
    const k = next[top]!;
    if (k < inputs.length) {
      next[top] = k + 1;
      const inp = inputs[k]!;
      if (!inp.requiresGrad || inp._ag.visit === stamp) continue;
      if (inp._ag.released) throw new Error(`backward: cannot differentiate through ${where(inp)}: its graph was already released (${RELEASED_HINT})`);
      inp._ag.visit = stamp;
      if (inp._ag.node !== null) {
        stack.push(inp);
        next.push(0);
      }
    } else {
      stack.pop();
      next.pop();
      order.push(v);
    }
  }
  return order;
}

function seedData(root: Variable, seed: Tensor | Float32Array | number | undefined): Float32Array | number {
  if (seed === undefined || typeof seed === "number") {
    if (root.size !== 1) {
      throw new Error(
        `backward: ${where(root)} is not a scalar; backward() without a seed needs a one-element loss (reduce it with sum/mean, or pass a seed gradient of shape [${root.shape.join(", ")}])`,
      );
    }
    const s = seed ?? 1;
    if (!Number.isFinite(s)) throw new Error(`backward: seed must be finite, got ${s}`);
    return s;
  }
  const data = seed instanceof Tensor ? seed.data : seed;
  const shapeOk = seed instanceof Tensor ? seed.size === root.size && seed.rank === root.rank && seed.shape.every((d, i) => d === root.shape[i]) : true;
  if (!shapeOk || data.length !== root.size) {
    const got = seed instanceof Tensor ? `shape [${seed.shape.join(", ")}]` : `${data.length} elements`;
    throw new Error(`backward: seed gradient must have the shape of ${where(root)}, got ${got}`);
  }
  return data;
}

/** Backward from `root`: see the file comment. Used by Variable.backward and `backward()`. */
export function runBackward(root: Variable, seed?: Tensor | Float32Array | number, opts?: BackwardOptions): void {
  if (root._ag.released) throw new Error(`backward: called twice on ${where(root)}: ${RELEASED_HINT}`);
  if (!root.requiresGrad) {
    throw new Error(`backward: ${where(root)} does not require grad (no input of it requires grad, or it was computed inside noGrad)`);
  }
  const s = seedData(root, seed);
  const order = topoOrder(root);
  const retainGraph = opts?.retainGraph === true;
  // Non-leaf grads are per pass: start them from zero (a retained one holds the last pass's grad).
  for (let i = 0; i < order.length; i++) order[i]!.grad = null;
  const pool = new GradPool();
  const rootGrad = (root.grad ?? allocGrad(root, pool)).data;
  if (typeof s === "number") rootGrad[0] = rootGrad[0]! + s;
  else kernels.axpy(1, s, rootGrad);

  for (let i = order.length - 1; i >= 0; i--) {
    const v = order[i]!;
    const node = v._ag.node!;
    const inputs = node.inputs;
    if (node.view === true && handOver(v, inputs[0]!)) {
      if (!retainGraph) {
        v._ag.node = null;
        v._ag.released = true;
      }
      continue;
    }
    // Allocate first, then let the closure read every .data: a pinned allocation may grow the
    // WASM memory, which would detach views fetched earlier.
    for (let k = 0; k < inputs.length; k++) {
      const inp = inputs[k]!;
      if (inp.requiresGrad && inp.grad === null) allocGrad(inp, pool);
    }
    node.backward(v.grad!.data);
    if (!v._ag.retain) {
      pool.give(v.grad!.data); // dead now: the next grad of this length reuses it
      v.grad = null;
    }
    if (!retainGraph) {
      v._ag.node = null;
      v._ag.released = true;
    }
  }
}

/**
 * A view op's gradient to its input without a copy: x takes v's grad buffer as its own grad, when x
 * has no grad yet and is a non-leaf (a leaf's grad must be its own buffer, pinned for a pinned
 * leaf), and v's grad is not retained (x's later contributions would show up in it). Returns false
 * when the closure must run instead.
 */
function handOver(v: Variable, x: Variable): boolean {
  if (x.grad !== null || x._ag.node === null || v._ag.retain) return false;
  x.grad = Tensor.from(v.grad!.data, x.shape);
  v.grad = null;
  return true;
}

/** Function form of `loss.backward(seed, opts)`. */
export function backward(loss: Variable, seed?: Tensor | Float32Array | number, opts?: BackwardOptions): void {
  runBackward(loss, seed, opts);
}
