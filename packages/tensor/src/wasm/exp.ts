import type { CausalMask } from "../kernels/softmax.js";
import { wasm, type ExpExports } from "./instance.js";
import { inHeap, runInHeap, type Operand } from "./scratch.js";

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
    // all pinned (an inference model's buffers): straight to the kernel, nothing allocated
    k().softmax(x.byteOffset, out.byteOffset, rows, cols, causal?.offset ?? 0, causal?.period ?? 0, causal?.window ?? 0);
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
    k().swiglu(gate.byteOffset, up.byteOffset, out.byteOffset, n); // all pinned: nothing allocated
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
