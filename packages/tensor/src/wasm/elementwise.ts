import { wasm, type ElementwiseExports } from "./instance.js";
import { runInHeap, type Operand } from "./scratch.js";
import { kernelRef, runJobs, type KernelRef } from "./pool.js";
import { segmentJobs, type SegmentEntry } from "./segments.js";

/**
 * JS side of elementwise.wat, with the signatures of src/kernels/elementwise.ts (which calls these
 * after its checks, when useWasmElementwise says the call pays: all operands in the WASM heap, or
 * arrays big enough that the SIMD loop beats JS even with the copies).
 */

const k = (): ElementwiseExports => wasm!.elementwise;
const input = (array: Float32Array, n: number): Operand => ({ array, n, read: true, write: false });
const output = (array: Float32Array, n: number): Operand => ({ array, n, read: false, write: true });

function binary(op: "add" | "sub" | "mul", a: Float32Array, b: Float32Array, out: Float32Array): Float32Array {
  const n = a.length;
  return runInHeap([input(a, n), input(b, n), output(out, n)], 0, ([pa, pb, po]) => k()[op](pa!, pb!, po!, n));
}

/** out = a + b */
export const wasmAdd = (a: Float32Array, b: Float32Array, out: Float32Array): Float32Array => binary("add", a, b, out);
/** out = a − b */
export const wasmSub = (a: Float32Array, b: Float32Array, out: Float32Array): Float32Array => binary("sub", a, b, out);
/** out = a·b */
export const wasmMul = (a: Float32Array, b: Float32Array, out: Float32Array): Float32Array => binary("mul", a, b, out);

/** out = s·a */
export function wasmMulScalar(a: Float32Array, s: number, out: Float32Array): Float32Array {
  const n = a.length;
  return runInHeap([input(a, n), output(out, n)], 0, ([pa, po]) => k().axpy(s, pa!, po!, n, 0));
}

/** y += alpha·x (in place); returns y. */
export function wasmAxpy(alpha: number, x: Float32Array, y: Float32Array): Float32Array {
  const n = x.length;
  return runInHeap([input(x, n), { array: y, n, read: true, write: true }], 0, ([px, py]) => k().axpy(alpha, px!, py!, n, 1));
}

/** out = relu(x) (x > 0 ? x : 0, bit for bit the JS loop's), branch-free. */
export function wasmRelu(x: Float32Array, out: Float32Array): Float32Array {
  const n = x.length;
  return runInHeap([input(x, n), output(out, n)], 0, ([px, po]) => k().relu(px!, po!, n));
}

/** dx += dy where x > 0 (accumulates; dx unchanged elsewhere); returns dx. */
export function wasmReluBackward(x: Float32Array, dy: Float32Array, dx: Float32Array): Float32Array {
  const n = x.length;
  return runInHeap([input(x, n), input(dy, n), { array: dx, n, read: true, write: true }], 0, ([px, pdy, pdx]) => k().reluBackward(px!, pdy!, pdx!, n));
}

/** y += the column sums of x [rows, cols] (rows in order, float32 adds); returns y. */
export function wasmAddColumnSums(x: Float32Array, rows: number, cols: number, y: Float32Array): Float32Array {
  return runInHeap([input(x, rows * cols), { array: y, n: cols, read: true, write: true }], 0, ([px, py]) => k().addColumnSums(px!, rows, cols, py!));
}

let zeroRef: KernelRef | null = null;
/** Least floats worth handing to a thread (memory.fill writes ~30 GB/s: 64 KiB is a few µs). */
const ZERO_MIN_PER_THREAD = 1 << 14;

/** Zeroes arrays already in the heap (entries: address and n) in one kernel-pool round. */
export function wasmZeroSegments(entries: readonly SegmentEntry[]): void {
  runJobs((zeroRef ??= kernelRef("elementwise", "zeroSegments")), segmentJobs(entries, 1, ZERO_MIN_PER_THREAD));
}
