import { ShapeError } from "../errors.js";
import { outArray } from "./check.js";
import { useWasmElementwise, wasmEnabled } from "../wasm/instance.js";
import { wasmAdd, wasmAddColumnSums, wasmAxpy, wasmMul, wasmMulScalar, wasmSub, wasmZeroSegments } from "../wasm/elementwise.js";
import { memoryBuffer } from "../wasm/scratch.js";
import type { SegmentEntry } from "../wasm/segments.js";

/**
 * Elementwise kernels over same-length Float32Arrays (broadcasting lives in broadcast.ts and at
 * the Tensor-op level). Each is a single tight loop with the length hoisted, which V8 compiles to
 * straight scalar code; the WASM SIMD paths (src/wasm/) are dispatched at the top of each function.
 * References: elementwise.reference.ts.
 */

export { broadcastBinary, reduceToShape, type BinaryOp } from "./broadcast.js";

function sameLength(op: string, a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new ShapeError(`${op}: inputs have ${a.length} and ${b.length} elements`);
  return a.length;
}

/** out = a + b */
export function add(a: Float32Array, b: Float32Array, out?: Float32Array): Float32Array {
  const n = sameLength("add", a, b);
  const o = outArray("add", out, n);
  if (useWasmElementwise(n, a, b, o)) return wasmAdd(a, b, o);
  for (let i = 0; i < n; i++) o[i] = a[i]! + b[i]!;
  return o;
}

/** out = a − b */
export function sub(a: Float32Array, b: Float32Array, out?: Float32Array): Float32Array {
  const n = sameLength("sub", a, b);
  const o = outArray("sub", out, n);
  if (useWasmElementwise(n, a, b, o)) return wasmSub(a, b, o);
  for (let i = 0; i < n; i++) o[i] = a[i]! - b[i]!;
  return o;
}

/** out = a · b */
export function mul(a: Float32Array, b: Float32Array, out?: Float32Array): Float32Array {
  const n = sameLength("mul", a, b);
  const o = outArray("mul", out, n);
  if (useWasmElementwise(n, a, b, o)) return wasmMul(a, b, o);
  for (let i = 0; i < n; i++) o[i] = a[i]! * b[i]!;
  return o;
}

/** out = a / b */
export function div(a: Float32Array, b: Float32Array, out?: Float32Array): Float32Array {
  const n = sameLength("div", a, b);
  const o = outArray("div", out, n);
  for (let i = 0; i < n; i++) o[i] = a[i]! / b[i]!;
  return o;
}

/** out = a + s */
export function addScalar(a: Float32Array, s: number, out?: Float32Array): Float32Array {
  const n = a.length;
  const o = outArray("addScalar", out, n);
  for (let i = 0; i < n; i++) o[i] = a[i]! + s;
  return o;
}

/** out = a · s */
export function mulScalar(a: Float32Array, s: number, out?: Float32Array): Float32Array {
  const n = a.length;
  const o = outArray("mulScalar", out, n);
  if (useWasmElementwise(n, a, o)) return wasmMulScalar(a, s, o);
  for (let i = 0; i < n; i++) o[i] = a[i]! * s;
  return o;
}

/** y += alpha·x, in place (BLAS axpy); returns y. */
export function axpy(alpha: number, x: Float32Array, y: Float32Array): Float32Array {
  const n = sameLength("axpy", x, y);
  if (useWasmElementwise(n, x, y)) return wasmAxpy(alpha, x, y);
  for (let i = 0; i < n; i++) y[i] = y[i]! + alpha * x[i]!;
  return y;
}

/** Least elements for which addColumnSums takes WASM: the JS loop costs ~2.3 ns per element, the copy in ~0.4. */
const COLUMN_SUMS_WASM_MIN = 256;

/**
 * y += the column sums of x [rows, cols] (y [cols]): a bias's gradient from dy. Rows are added in
 * order, each add rounded to float32, on either path (the same bits).
 */
export function addColumnSums(x: Float32Array, rows: number, cols: number, y: Float32Array): Float32Array {
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0) throw new ShapeError(`addColumnSums: rows and cols must be integers ≥ 0, got ${rows} and ${cols}`);
  if (x.length < rows * cols) throw new ShapeError(`addColumnSums: x has ${x.length} elements, need ${rows}·${cols} = ${rows * cols}`);
  if (y.length < cols) throw new ShapeError(`addColumnSums: y has ${y.length} elements, need ${cols}`);
  if (wasmEnabled() && rows * cols >= COLUMN_SUMS_WASM_MIN) return wasmAddColumnSums(x, rows, cols, y);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let j = 0; j < cols; j++) y[j] = y[j]! + x[base + j]!;
  }
  return y;
}

/**
 * Fills every array with 0. Those in the WASM heap (pinned gradients) are zeroed by one call split
 * across the kernel pool (memory.fill over a table of segments), the others with fill(0).
 */
export function zeroArrays(arrays: readonly Float32Array[]): void {
  const buffer = memoryBuffer();
  const entries: SegmentEntry[] = [];
  for (const a of arrays) {
    if (a.buffer === buffer && wasmEnabled()) entries.push({ addrs: [a.byteOffset], n: a.length });
    else a.fill(0);
  }
  if (entries.length > 0) wasmZeroSegments(entries);
}
