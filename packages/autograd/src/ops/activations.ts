import { Tensor, kernels } from "@mini/tensor";
import { addDivInto, addMulInto } from "../accumulate.js";
import { gradOf, record } from "../tape.js";
import type { Variable } from "../variable.js";
import { needSameShape } from "../shape-check.js";

/**
 * Elementwise functions. Each backward is one accumulate pass: a `...Backward` kernel where
 * @mini/tensor has one (relu, gelu, silu, sigmoid, tanh, swiglu), else a fused dx += dy·f'(x) loop.
 * Where f' is cheaper from the output (exp, sqrt, sigmoid, tanh) the closure keeps y, not x.
 */

/** e^x;  dx += dy·y */
export function exp(x: Variable): Variable {
  const y = Tensor.from(kernels.exp(x.data), x.shape);
  return record("exp", y, [x], (dy) => addMulInto(gradOf(x), dy, y.data));
}

/** ln x (x ≤ 0 gives −Infinity/NaN as in IEEE; keep inputs positive);  dx += dy / x */
export function log(x: Variable): Variable {
  const y = Tensor.from(kernels.log(x.data), x.shape);
  return record("log", y, [x], (dy) => addDivInto(gradOf(x), dy, x.data));
}

/** √x;  dx += dy · 0.5 / y */
export function sqrt(x: Variable): Variable {
  const y = Tensor.from(kernels.sqrt(x.data), x.shape);
  return record("sqrt", y, [x], (dy) => {
    const dx = gradOf(x);
    const yv = y.data;
    for (let i = 0; i < dx.length; i++) dx[i] += (0.5 * dy[i]!) / yv[i]!;
  });
}

/** tanh x;  dx += dy·(1 − y²) */
export function tanh(x: Variable): Variable {
  const y = Tensor.from(kernels.tanh(x.data), x.shape);
  return record("tanh", y, [x], (dy) => {
    kernels.tanhBackward(y.data, dy, gradOf(x));
  });
}

/** 1 / (1 + e^−x);  dx += dy·y·(1 − y) */
export function sigmoid(x: Variable): Variable {
  const y = Tensor.from(kernels.sigmoid(x.data), x.shape);
  return record("sigmoid", y, [x], (dy) => {
    kernels.sigmoidBackward(y.data, dy, gradOf(x));
  });
}

/** max(x, 0);  dx += dy where x > 0 (the kink at 0 gets gradient 0) */
export function relu(x: Variable): Variable {
  const y = Tensor.from(kernels.relu(x.data), x.shape);
  return record("relu", y, [x], (dy) => {
    kernels.reluBackward(x.data, dy, gradOf(x));
  });
}

/** GELU, tanh approximation (GPT-2). */
export function gelu(x: Variable): Variable {
  const y = Tensor.from(kernels.gelu(x.data), x.shape);
  return record("gelu", y, [x], (dy) => {
    kernels.geluBackward(x.data, dy, gradOf(x));
  });
}

/** x·sigmoid(x) (swish). */
export function silu(x: Variable): Variable {
  const y = Tensor.from(kernels.silu(x.data), x.shape);
  return record("silu", y, [x], (dy) => {
    kernels.siluBackward(x.data, dy, gradOf(x));
  });
}

/** silu(gate)·up, the Llama MLP gate; gate and up have the same shape. */
export function swiglu(gate: Variable, up: Variable): Variable {
  needSameShape("swiglu", "gate", gate.shape, "up", up.shape);
  const y = Tensor.from(kernels.swiglu(gate.data, up.data), gate.shape);
  return record("swiglu", y, [gate, up], (dy) => {
    // The kernel writes both grads; a side that needs none gets a throwaway buffer.
    const dg = gate.requiresGrad ? gradOf(gate) : new Float32Array(dy.length);
    const du = up.requiresGrad ? gradOf(up) : new Float32Array(dy.length);
    kernels.swigluBackward(gate.data, up.data, dy, dg, du);
  });
}
