/**
 * Readable reference loops for activations.ts (same signatures, suffix `Reference`).
 * Math in float64 with Math.tanh / Math.exp, straight from the definitions.
 */

const GELU_C = Math.sqrt(2 / Math.PI);
const sig = (x: number) => 1 / (1 + Math.exp(-x));

function map(x: Float32Array, out: Float32Array | undefined, f: (v: number) => number): Float32Array {
  const o = out ?? new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) o[i] = f(x[i]!);
  return o;
}

export const expReference = (x: Float32Array, out?: Float32Array) => map(x, out, Math.exp);
export const logReference = (x: Float32Array, out?: Float32Array) => map(x, out, Math.log);
export const sqrtReference = (x: Float32Array, out?: Float32Array) => map(x, out, Math.sqrt);
export const tanhReference = (x: Float32Array, out?: Float32Array) => map(x, out, Math.tanh);
export const negReference = (x: Float32Array, out?: Float32Array) => map(x, out, (v) => -v);
export const sigmoidReference = (x: Float32Array, out?: Float32Array) => map(x, out, sig);
export const reluReference = (x: Float32Array, out?: Float32Array) => map(x, out, (v) => (v > 0 ? v : 0));
export const siluReference = (x: Float32Array, out?: Float32Array) => map(x, out, (v) => v * sig(v));
/** gelu, tanh form: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))). */
export const geluReference = (x: Float32Array, out?: Float32Array) =>
  map(x, out, (v) => 0.5 * v * (1 + Math.tanh(GELU_C * (v + 0.044715 * v * v * v))));

/** silu(gate) · up (the Llama MLP gate). */
export function swigluReference(gate: Float32Array, up: Float32Array, out?: Float32Array): Float32Array {
  const o = out ?? new Float32Array(gate.length);
  for (let i = 0; i < gate.length; i++) o[i] = gate[i]! * sig(gate[i]!) * up[i]!;
  return o;
}

// ---- backward (accumulate into dx) ---------------------------------------------------------

export function reluBackwardReference(x: Float32Array, dy: Float32Array, dx: Float32Array): Float32Array {
  for (let i = 0; i < x.length; i++) dx[i] += x[i]! > 0 ? dy[i]! : 0;
  return dx;
}

export function geluBackwardReference(x: Float32Array, dy: Float32Array, dx: Float32Array): Float32Array {
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    const t = Math.tanh(GELU_C * (v + 0.044715 * v * v * v));
    const dt = (1 - t * t) * GELU_C * (1 + 3 * 0.044715 * v * v);
    dx[i] += dy[i]! * (0.5 * (1 + t) + 0.5 * v * dt);
  }
  return dx;
}

export function siluBackwardReference(x: Float32Array, dy: Float32Array, dx: Float32Array): Float32Array {
  for (let i = 0; i < x.length; i++) {
    const s = sig(x[i]!);
    dx[i] += dy[i]! * s * (1 + x[i]! * (1 - s));
  }
  return dx;
}

/** y = sigmoid(x) (the forward output). */
export function sigmoidBackwardReference(y: Float32Array, dy: Float32Array, dx: Float32Array): Float32Array {
  for (let i = 0; i < y.length; i++) dx[i] += dy[i]! * y[i]! * (1 - y[i]!);
  return dx;
}

/** y = tanh(x) (the forward output). */
export function tanhBackwardReference(y: Float32Array, dy: Float32Array, dx: Float32Array): Float32Array {
  for (let i = 0; i < y.length; i++) dx[i] += dy[i]! * (1 - y[i]! * y[i]!);
  return dx;
}

export function swigluBackwardReference(
  gate: Float32Array,
  up: Float32Array,
  dy: Float32Array,
  dgate: Float32Array,
  dup: Float32Array,
): void {
  for (let i = 0; i < gate.length; i++) {
    const g = gate[i]!;
    const s = sig(g);
    dgate[i] += dy[i]! * up[i]! * s * (1 + g * (1 - s));
    dup[i] += dy[i]! * g * s;
  }
}
