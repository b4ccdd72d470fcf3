import type { CausalMask } from "../kernels/softmax.js";
import { wasm, type ExpExports } from "./instance.js";
import { inHeap, runInHeap, type Operand } from "./scratch.js";
import { runRowsSplit } from "./split-rows.js";

/** Least elements worth a thread of a row-split softmax or swiglu (an exp each: a wake-up costs a few µs). */
const MIN_SPLIT_ELEMENTS = 1 << 13;

/**
 * JS side of exp.wat: softmax (causal option), logSoftmax, softmaxBackward, silu, swiglu and their
 * backward. Same signatures as the kernels in src/kernels/softmax.ts and activations.ts, which
 * call these after their own checks (out allocated, lengths checked). Operands not in the WASM
 * heap are copied in/out (see scratch.ts); each returns what the JS kernel returns.
 */

const k = (): ExpExports => wasm!.exp;
const input = (array: Float32Array, n: number): Operand => ({ array, n, read: true, write: false });
const output = (array: Float32Array, n: number): Operand => ({ array, n, read: false, write: true });
const accumulated = (array: Float32Array, n: number): Operand => ({ array, n, read: true, write: true });

/** out [rows, cols] = row softmax of x, masked to j ≤ offset + (r mod period) (and > that − window) when causal is given. */
export function wasmSoftmax(x: Float32Array, rows: number, cols: number, out: Float32Array, causal?: CausalMask): Float32Array {
  if (inHeap(x) && inHeap(out)) {
    // all pinned (an inference model's buffers): rows split across the pool, in whole periods of
    // the causal mask (a call's row 0 must be a period's first row)
    const px = x.byteOffset, po = out.byteOffset, rowB = 4 * cols;
    const offset = causal?.offset ?? 0, period = causal?.period ?? 0, window = causal?.window ?? 0;
    runRowsSplit("exp", "softmax", rows, cols, Math.max(period, 1), MIN_SPLIT_ELEMENTS, (r0, r1) =>
      [px + r0 * rowB, po + r0 * rowB, r1 - r0, cols, offset, period, window]);
    return out;
  }
  const n = rows * cols;
  return runInHeap([input(x, n), output(out, n)], 0, ([px, po]) =>
    k().softmax(px!, po!, rows, cols, causal?.offset ?? 0, causal?.period ?? 0, causal?.window ?? 0),
  );
}

/** out [rows, cols] = x − max − log Σ exp(x − max), per row. */
export function wasmLogSoftmax(x: Float32Array, rows: number, cols: number, out: Float32Array): Float32Array {
  const n = rows * cols;
  return runInHeap([input(x, n), output(out, n)], 0, ([px, po]) => k().logSoftmax(px!, po!, rows, cols));
}

/** dx += y·(dy − Σ dy·y) per row (accumulates); returns dx. */
export function wasmSoftmaxBackward(y: Float32Array, dy: Float32Array, rows: number, cols: number, dx: Float32Array): Float32Array {
  const n = rows * cols;
  return runInHeap([input(y, n), input(dy, n), accumulated(dx, n)], 0, ([py, pdy, pdx]) =>
    k().softmaxBackward(py!, pdy!, pdx!, rows, cols),
  );
}

/** out = silu(x) = x·sigmoid(x). */
export function wasmSilu(x: Float32Array, out: Float32Array): Float32Array {
  const n = x.length;
  return runInHeap([input(x, n), output(out, n)], 0, ([px, po]) => k().swiglu(px!, 0, po!, n));
}

/** out = silu(gate)·up. */
export function wasmSwiglu(gate: Float32Array, up: Float32Array, out: Float32Array): Float32Array {
  const n = gate.length;
  if (inHeap(gate) && inHeap(up) && inHeap(out)) {
    // all pinned: nothing allocated; split across the pool in runs of 8 floats (the kernel takes 8
    // at a time, then 4, then 1, with other roundings: a split must not move an element between them)
    const pg = gate.byteOffset, pu = up.byteOffset, po = out.byteOffset;
    runRowsSplit("exp", "swiglu", n, 1, 8, MIN_SPLIT_ELEMENTS, (i0, i1) => [pg + 4 * i0, pu + 4 * i0, po + 4 * i0, i1 - i0]);
    return out;
  }
  return runInHeap([input(gate, n), input(up, n), output(out, n)], 0, ([pg, pu, po]) => k().swiglu(pg!, pu!, po!, n));
}

/** dx += dy·silu'(x) (accumulates); returns dx. */
export function wasmSiluBackward(x: Float32Array, dy: Float32Array, dx: Float32Array): Float32Array {
  const n = x.length;
  return runInHeap([input(x, n), input(dy, n), accumulated(dx, n)], 0, ([px, pdy, pdx]) =>
    k().swigluBackward(px!, 0, pdy!, pdx!, 0, n),
  );
}

/** dgate += dy·up·silu'(gate), dup += dy·silu(gate) (accumulates). */
export function wasmSwigluBackward(gate: Float32Array, up: Float32Array, dy: Float32Array, dgate: Float32Array, dup: Float32Array): void {
  const n = gate.length;
  runInHeap(
    [input(gate, n), input(up, n), input(dy, n), accumulated(dgate, n), accumulated(dup, n)],
    0,
    ([pg, pu, pdy, pdg, pdu]) => k().swigluBackward(pg!, pu!, pdy!, pdg!, pdu!, n),
  );
}
