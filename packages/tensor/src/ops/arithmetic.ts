import { sameShape } from "../shape.js";
import { Tensor } from "../tensor.js";
import * as k from "../kernels/elementwise.js";
import * as act from "../kernels/activations.js";
import type { BinaryOp } from "../kernels/broadcast.js";

/**
 * Tensor-level arithmetic: binary ops with NumPy broadcasting (or a number), and elementwise math.
 * Every op returns a new JS-heap tensor; the kernels (kernels/elementwise.ts) do the loops.
 */

function binary(op: BinaryOp, a: Tensor, b: Tensor | number): Tensor {
  if (typeof b === "number") {
    const x = a.data;
    const out = new Float32Array(x.length);
    if (op === "add") k.addScalar(x, b, out);
    else if (op === "sub") k.addScalar(x, -b, out);
    else if (op === "mul") k.mulScalar(x, b, out);
    else for (let i = 0; i < x.length; i++) out[i] = x[i]! / b;
    return Tensor.from(out, a.shape);
  }
  if (sameShape(a.shape, b.shape)) return Tensor.from(k[op](a.data, b.data), a.shape);
  const r = k.broadcastBinary(op, a.data, a.shape, b.data, b.shape); // throws ShapeError naming op and shapes
  return Tensor.from(r.data, r.shape);
}

/** a + b, broadcasting. */
export const add = (a: Tensor, b: Tensor | number): Tensor => binary("add", a, b);
/** a − b, broadcasting. */
export const sub = (a: Tensor, b: Tensor | number): Tensor => binary("sub", a, b);
/** a · b elementwise, broadcasting. */
export const mul = (a: Tensor, b: Tensor | number): Tensor => binary("mul", a, b);
/** a / b elementwise, broadcasting. */
export const div = (a: Tensor, b: Tensor | number): Tensor => binary("div", a, b);

function unary(f: (x: Float32Array, out?: Float32Array) => Float32Array): (t: Tensor) => Tensor {
  return (t) => Tensor.from(f(t.data), t.shape);
}

export const exp = unary(act.exp);
export const log = unary(act.log);
export const sqrt = unary(act.sqrt);
export const neg = unary(act.neg);
