import { ShapeError, fmtShape } from "../errors.js";
import { Tensor } from "../tensor.js";
import * as act from "../kernels/activations.js";
import * as sm from "../kernels/softmax.js";
import * as nrm from "../kernels/norm.js";
import { rope as ropeKernel, type RopeStyle, type RopeTable } from "../kernels/rope.js";
import { gatherRows } from "../kernels/gather.js";
import { sameShape } from "../shape.js";

/**
 * Tensor-level neural-network ops: activations, softmax, norms, RoPE, embedding gather.
 * Each checks shapes (ShapeError naming the op and shapes) and runs one kernel into a new tensor.
 */

function unary(f: (x: Float32Array, out?: Float32Array) => Float32Array): (t: Tensor) => Tensor {
  return (t) => Tensor.from(f(t.data), t.shape);
}

export const relu = unary(act.relu);
export const gelu = unary(act.gelu);
export const silu = unary(act.silu);
export const sigmoid = unary(act.sigmoid);
export const tanh = unary(act.tanh);

/** silu(gate)·up; both the same shape. */
export function swiglu(gate: Tensor, up: Tensor): Tensor {
  if (!sameShape(gate.shape, up.shape)) throw new ShapeError(`swiglu: gate ${fmtShape(gate.shape)} and up ${fmtShape(up.shape)} differ`);
  return Tensor.from(act.swiglu(gate.data, up.data), gate.shape);
}

function lastAxis(op: string, t: Tensor): { rows: number; cols: number } {
  if (t.rank === 0) throw new ShapeError(`${op}: needs rank ≥ 1, got a scalar`);
  const cols = t.shape[t.rank - 1]!;
  return { rows: cols === 0 ? 0 : t.size / cols, cols };
}

/**
 * Softmax over the last axis. causal: `true` treats t as [..., seq, kvLen] attention scores with
 * the queries at the last seq positions (offset = kvLen − seq, period = seq); or give the
 * kernel's { offset, period } explicitly.
 */
export function softmax(t: Tensor, causal?: boolean | sm.CausalMask): Tensor {
  const { rows, cols } = lastAxis("softmax", t);
  let mask: sm.CausalMask | undefined;
  if (causal === true) {
    if (t.rank < 2) throw new ShapeError(`softmax: causal needs [..., seq, kvLen], got ${fmtShape(t.shape)}`);
    const seq = t.shape[t.rank - 2]!;
    if (seq > cols) throw new ShapeError(`softmax: causal needs seq ≤ kvLen, got ${fmtShape(t.shape)}`);
    mask = { offset: cols - seq, period: Math.max(seq, 1) };
  } else if (causal) mask = causal;
  return Tensor.from(sm.softmax(t.data, rows, cols, undefined, mask), t.shape);
}

/** log softmax over the last axis. */
export function logSoftmax(t: Tensor): Tensor {
  const { rows, cols } = lastAxis("logSoftmax", t);
  return Tensor.from(sm.logSoftmax(t.data, rows, cols), t.shape);
}

function checkWeight(op: string, what: string, x: Tensor, w: Tensor, cols: number): void {
  if (w.rank !== 1 || w.shape[0] !== cols) {
    throw new ShapeError(`${op}: ${what} must be [${cols}] for input ${fmtShape(x.shape)}, got ${fmtShape(w.shape)}`);
  }
}

/** Where LayerNorm's ε goes: "inside" the root, √(var + ε) (PyTorch); "outside", σ + ε (RustGPT). */
export type EpsPlacement = "inside" | "outside";

/** LayerNorm over the last axis: (x − mean)/√(var + eps)·weight + bias, or /(σ + eps) with epsPlacement "outside". */
export function layerNorm(x: Tensor, weight: Tensor, bias: Tensor | null, eps = 1e-5, opts: { epsPlacement?: EpsPlacement } = {}): Tensor {
  const { rows, cols } = lastAxis("layerNorm", x);
  checkWeight("layerNorm", "weight", x, weight, cols);
  if (bias) checkWeight("layerNorm", "bias", x, bias, cols);
  const kernel = opts.epsPlacement === "outside" ? nrm.layerNormStdEps : nrm.layerNorm;
  return Tensor.from(kernel(x.data, weight.data, bias ? bias.data : null, rows, cols, eps), x.shape);
}

/** RMSNorm over the last axis: x/√(mean(x²) + eps)·weight (HF Llama). */
export function rmsNorm(x: Tensor, weight: Tensor, eps = 1e-6): Tensor {
  const { rows, cols } = lastAxis("rmsNorm", x);
  checkWeight("rmsNorm", "weight", x, weight, cols);
  return Tensor.from(nrm.rmsNorm(x.data, weight.data, rows, cols, eps), x.shape);
}

/** RoPE on x: [seq, nHeads, headDim], positions startPos…; `table` a RopeTable or theta; returns a new tensor (see kernels/rope.ts). */
export function rope(x: Tensor, startPos: number, table: RopeTable | number, style: RopeStyle = "half", inverse = false): Tensor {
  if (x.rank !== 3) throw new ShapeError(`rope: x must be [seq, nHeads, headDim], got ${fmtShape(x.shape)}`);
  const [seq, nHeads, headDim] = x.shape as [number, number, number];
  return Tensor.from(ropeKernel(x.data, seq, nHeads, headDim, startPos, table, style, undefined, inverse), x.shape);
}

/** Embedding lookup: table [rows, cols], ids → [ids.length, cols]. */
export function gather(table: Tensor, ids: ArrayLike<number>): Tensor {
  if (table.rank !== 2) throw new ShapeError(`gather: table must be [rows, cols], got ${fmtShape(table.shape)}`);
  const cols = table.shape[1]!;
  return Tensor.from(gatherRows(table.data, cols, ids), [ids.length, cols]);
}

/** Same as gather (the name nn code reads best with). */
export const embedding = gather;
