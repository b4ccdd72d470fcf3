import { ShapeError } from "../errors.js";
import { outArray } from "./check.js";
import { useWasm } from "../wasm/instance.js";
import { wasmRelu, wasmReluBackward } from "../wasm/elementwise.js";
import { wasmSilu, wasmSiluBackward, wasmSwiglu, wasmSwigluBackward } from "../wasm/exp.js";

/**
 * Unary activations `f(x, out?)` and their backward kernels (which ACCUMULATE: dx += …).
 * Plain loops, one per function so V8 keeps each monomorphic. gelu computes tanh(u) as
 * 1 − 2/(e^{2u} + 1) (one Math.exp instead of Math.tanh; exact at ±∞, abs. error ~1e-16).
 * References: activations.reference.ts.
 */

const GELU_C = Math.sqrt(2 / Math.PI);
const GELU_A = 0.044715;

function sameLength(op: string, ...arrays: Float32Array[]): number {
  const n = arrays[0]!.length;
  for (const a of arrays) {
    if (a.length !== n) throw new ShapeError(`${op}: arrays have ${arrays.map((x) => x.length).join(", ")} elements`);
  }
  return n;
}

export function exp(x: Float32Array, out?: Float32Array): Float32Array {
  const n = x.length;
  const o = outArray("exp", out, n);
  for (let i = 0; i < n; i++) o[i] = Math.exp(x[i]!);
  return o;
}

export function log(x: Float32Array, out?: Float32Array): Float32Array {
  const n = x.length;
  const o = outArray("log", out, n);
  for (let i = 0; i < n; i++) o[i] = Math.log(x[i]!);
  return o;
}

export function sqrt(x: Float32Array, out?: Float32Array): Float32Array {
  const n = x.length;
  const o = outArray("sqrt", out, n);
  for (let i = 0; i < n; i++) o[i] = Math.sqrt(x[i]!);
  return o;
}

export function tanh(x: Float32Array, out?: Float32Array): Float32Array {
  const n = x.length;
  const o = outArray("tanh", out, n);
  for (let i = 0; i < n; i++) o[i] = Math.tanh(x[i]!);
  return o;
}

export function neg(x: Float32Array, out?: Float32Array): Float32Array {
  const n = x.length;
  const o = outArray("neg", out, n);
  for (let i = 0; i < n; i++) o[i] = -x[i]!;
  return o;
}

export function sigmoid(x: Float32Array, out?: Float32Array): Float32Array {
  const n = x.length;
  const o = outArray("sigmoid", out, n);
  for (let i = 0; i < n; i++) o[i] = 1 / (1 + Math.exp(-x[i]!));
  return o;
}

/**
 * From RELU_WASM_MIN elements relu and its backward go to WASM even with the copies in and out: the
 * JS loops branch on the sign, and on a layer's activations (signs at random) that branch is
 * mispredicted about half the time. Measured (1 thread, JS arrays): equal at 512 elements, WASM
 * 1.4× faster at 1792 (a 7-token sentence × 256), 2.5× at 5888 (23 tokens).
 */
const RELU_WASM_MIN = 1024;

export function relu(x: Float32Array, out?: Float32Array): Float32Array {
  const n = x.length;
  const o = outArray("relu", out, n);
  if (useWasm(n, RELU_WASM_MIN)) return wasmRelu(x, o);
  for (let i = 0; i < n; i++) {
    const v = x[i]!;
    o[i] = v > 0 ? v : 0;
  }
  return o;
}

/** x·sigmoid(x) (a.k.a. swish). */
export function silu(x: Float32Array, out?: Float32Array): Float32Array {
  const n = x.length;
  const o = outArray("silu", out, n);
  if (useWasm(n, 64)) return wasmSilu(x, o);
  for (let i = 0; i < n; i++) {
    const v = x[i]!;
    o[i] = v / (1 + Math.exp(-v));
  }
  return o;
}

/** gelu, tanh form: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))) (GPT-2). */
export function gelu(x: Float32Array, out?: Float32Array): Float32Array {
  const n = x.length;
  const o = outArray("gelu", out, n);
  for (let i = 0; i < n; i++) {
    const v = x[i]!;
    const u = GELU_C * (v + GELU_A * v * v * v);
    // 0.5·(1 + tanh u) = 1 − 1/(e^{2u} + 1)
    o[i] = v * (1 - 1 / (Math.exp(2 * u) + 1));
  }
  return o;
}

/** silu(gate) · up (the Llama MLP). */
export function swiglu(gate: Float32Array, up: Float32Array, out?: Float32Array): Float32Array {
  const n = sameLength("swiglu", gate, up);
  const o = outArray("swiglu", out, n);
  if (useWasm(n, 64)) return wasmSwiglu(gate, up, o);
  for (let i = 0; i < n; i++) {
    const g = gate[i]!;
    o[i] = (g / (1 + Math.exp(-g))) * up[i]!;
  }
  return o;
}

// ---- backward: dx += dy · f'(·) ---------------------------------------------------------------

export function reluBackward(x: Float32Array, dy: Float32Array, dx: Float32Array): Float32Array {
  const n = sameLength("reluBackward", x, dy, dx);
  if (useWasm(n, RELU_WASM_MIN)) return wasmReluBackward(x, dy, dx);
  for (let i = 0; i < n; i++) if (x[i]! > 0) dx[i] += dy[i]!;
  return dx;
}

export function geluBackward(x: Float32Array, dy: Float32Array, dx: Float32Array): Float32Array {
  const n = sameLength("geluBackward", x, dy, dx);
  for (let i = 0; i < n; i++) {
    const v = x[i]!;
    const v2 = v * v;
    const t = 1 - 2 / (Math.exp(2 * GELU_C * (v + GELU_A * v2 * v)) + 1); // tanh(u)
    const dudx = GELU_C * (1 + 3 * GELU_A * v2);
    dx[i] += dy[i]! * (0.5 * (1 + t) + 0.5 * v * (1 - t * t) * dudx);
  }
  return dx;
}

export function siluBackward(x: Float32Array, dy: Float32Array, dx: Float32Array): Float32Array {
  const n = sameLength("siluBackward", x, dy, dx);
  if (useWasm(n, 64)) return wasmSiluBackward(x, dy, dx);
  for (let i = 0; i < n; i++) {
    const v = x[i]!;
    const s = 1 / (1 + Math.exp(-v));
    dx[i] += dy[i]! * s * (1 + v * (1 - s));
  }
  return dx;
}

/** y = sigmoid(x), the forward output. */
export function sigmoidBackward(y: Float32Array, dy: Float32Array, dx: Float32Array): Float32Array {
  const n = sameLength("sigmoidBackward", y, dy, dx);
  for (let i = 0; i < n; i++) {
    const s = y[i]!;
    dx[i] += dy[i]! * s * (1 - s);
  }
  return dx;
}

/** y = tanh(x), the forward output. */
export function tanhBackward(y: Float32Array, dy: Float32Array, dx: Float32Array): Float32Array {
  const n = sameLength("tanhBackward", y, dy, dx);
  for (let i = 0; i < n; i++) {
    const t = y[i]!;
    dx[i] += dy[i]! * (1 - t * t);
  }
  return dx;
}

/** out = silu(gate)·up:  dgate += dy·up·silu'(gate),  dup += dy·silu(gate). */
export function swigluBackward(gate: Float32Array, up: Float32Array, dy: Float32Array, dgate: Float32Array, dup: Float32Array): void {
  const n = sameLength("swigluBackward", gate, up, dy, dgate, dup);
  if (useWasm(n, 64)) return wasmSwigluBackward(gate, up, dy, dgate, dup);
  for (let i = 0; i < n; i++) {
    const g = gate[i]!;
    const s = 1 / (1 + Math.exp(-g));
    const d = dy[i]!;
    dgate[i] += d * up[i]! * s * (1 + g * (1 - s));
    dup[i] += d * g * s;
  }
}
