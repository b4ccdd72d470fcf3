import { wasm, type NormExports } from "./instance.js";
import { inHeap, runInHeap, type Operand } from "./scratch.js";
import { runRowsSplit } from "./split-rows.js";

/** Least elements (rows·cols) worth a thread of a row-split norm (~0.5 ns each: a wake-up costs a few µs). */
const MIN_SPLIT_ELEMENTS = 1 << 14;

/**
 * JS side of norm.wat: rmsNorm, layerNorm, layerNormStdEps (RustGPT: eps added to σ) and their
 * backward, with the signatures of src/kernels/norm.ts, which calls these after its own checks. Optional outputs (rrms, mean, rstd)
 * and optional inputs (bias, dbias) become address 0 when absent. Operands not in the WASM heap
 * are copied in/out (see scratch.ts).
 */

const k = (): NormExports => wasm!.norm;
const input = (array: Float32Array, n: number): Operand => ({ array, n, read: true, write: false });
const output = (array: Float32Array, n: number): Operand => ({ array, n, read: false, write: true });
const accumulated = (array: Float32Array, n: number): Operand => ({ array, n, read: true, write: true });

/**
 * Runs kernel with the addresses of the given operands, in order, and 0 for each absent one
 * (null entries); returns the array of operand `result`.
 */
function run(ops: (Operand | null)[], result: number, kernel: (addrs: number[]) => void): Float32Array {
  const present = ops.filter((o): o is Operand => o !== null);
  const index = ops.map((o) => (o === null ? -1 : present.indexOf(o)));
  return runInHeap(present, 0, (addrs) => kernel(index.map((i) => (i < 0 ? 0 : addrs[i]!))), index[result]!);
}

/** out [rows, cols] = x / √(mean(x²) + eps) · weight per row; rrms [rows] saved when given. */
export function wasmRmsNorm(
  x: Float32Array, weight: Float32Array, rows: number, cols: number, eps: number, out: Float32Array, rrms?: Float32Array,
): Float32Array {
  if (inHeap(x) && inHeap(weight) && inHeap(out) && (!rrms || inHeap(rrms))) {
    // all pinned (an inference model's buffers): straight to the kernel, rows split across the pool
    const px = x.byteOffset, pw = weight.byteOffset, po = out.byteOffset, pr = rrms ? rrms.byteOffset : 0;
    const rowB = 4 * cols;
    runRowsSplit("norm", "rmsNorm", rows, cols, 1, MIN_SPLIT_ELEMENTS, (r0, r1) =>
      [px + r0 * rowB, pw, po + r0 * rowB, r1 - r0, cols, eps, pr === 0 ? 0 : pr + 4 * r0]);
    return out;
  }
  const n = rows * cols;
  return run([input(x, n), input(weight, cols), output(out, n), rrms ? output(rrms, rows) : null], 2, ([px, pw, po, pr]) =>
    k().rmsNorm(px!, pw!, po!, rows, cols, eps, pr!),
  );
}

/** out [rows, cols] = (x − mean)/√(var + eps)·weight + bias per row; mean, rstd [rows] saved when given. */
export function wasmLayerNorm(
  x: Float32Array, weight: Float32Array, bias: Float32Array | null, rows: number, cols: number, eps: number,
  out: Float32Array, mean?: Float32Array, rstd?: Float32Array,
): Float32Array {
  return layerNormBoth(false, x, weight, bias, rows, cols, eps, out, mean, rstd);
}

/** RustGPT's layerNorm, eps added to σ: out = (x − mean)/(σ + eps)·weight + bias; mean, std [rows] saved when given. */
export function wasmLayerNormStdEps(
  x: Float32Array, weight: Float32Array, bias: Float32Array | null, rows: number, cols: number, eps: number,
  out: Float32Array, mean?: Float32Array, std?: Float32Array,
): Float32Array {
  return layerNormBoth(true, x, weight, bias, rows, cols, eps, out, mean, std);
}

function layerNormBoth(
  stdEps: boolean, x: Float32Array, weight: Float32Array, bias: Float32Array | null, rows: number, cols: number, eps: number,
  out: Float32Array, mean?: Float32Array, stat?: Float32Array,
): Float32Array {
  const n = rows * cols;
  const ops = [input(x, n), input(weight, cols), bias ? input(bias, cols) : null, output(out, n),
    mean ? output(mean, rows) : null, stat ? output(stat, rows) : null];
  return run(ops, 3, ([px, pw, pb, po, pm, ps]) => k().layerNorm(px!, pw!, pb!, po!, rows, cols, eps, pm!, ps!, stdEps ? 1 : 0));
}

/** Backward of rmsNorm; accumulates into dx, dweight. */
export function wasmRmsNormBackward(
  x: Float32Array, weight: Float32Array, rrms: Float32Array, dy: Float32Array, rows: number, cols: number,
  dx: Float32Array, dweight: Float32Array,
): void {
  const n = rows * cols;
  run([input(x, n), input(weight, cols), input(rrms, rows), input(dy, n), accumulated(dx, n), accumulated(dweight, cols)], 4,
    ([px, pw, pr, pdy, pdx, pdw]) => k().rmsNormBackward(px!, pw!, pr!, pdy!, pdx!, pdw!, rows, cols));
}

/** Backward of layerNorm; accumulates into dx, dweight, dbias. */
export function wasmLayerNormBackward(
  x: Float32Array, weight: Float32Array, mean: Float32Array, rstd: Float32Array, dy: Float32Array, rows: number, cols: number,
  dx: Float32Array, dweight: Float32Array, dbias: Float32Array | null,
): void {
  layerNormBackwardBoth(false, x, weight, mean, rstd, dy, rows, cols, 0, dx, dweight, dbias);
}

/** Backward of layerNormStdEps (std = σ saved by the forward); accumulates into dx, dweight, dbias. */
export function wasmLayerNormStdEpsBackward(
  x: Float32Array, weight: Float32Array, mean: Float32Array, std: Float32Array, dy: Float32Array, rows: number, cols: number,
  eps: number, dx: Float32Array, dweight: Float32Array, dbias: Float32Array | null,
): void {
  layerNormBackwardBoth(true, x, weight, mean, std, dy, rows, cols, eps, dx, dweight, dbias);
}

function layerNormBackwardBoth(
  stdEps: boolean, x: Float32Array, weight: Float32Array, mean: Float32Array, stat: Float32Array, dy: Float32Array,
  rows: number, cols: number, eps: number, dx: Float32Array, dweight: Float32Array, dbias: Float32Array | null,
): void {
  const n = rows * cols;
  const ops = [input(x, n), input(weight, cols), input(mean, rows), input(stat, rows), input(dy, n),
    accumulated(dx, n), accumulated(dweight, cols), dbias ? accumulated(dbias, cols) : null];
  run(ops, 5, ([px, pw, pm, ps, pdy, pdx, pdw, pdb]) =>
    k().layerNormBackward(px!, pw!, pm!, ps!, pdy!, pdx!, pdw!, pdb!, rows, cols, eps, stdEps ? 1 : 0));
}
