import { Tensor, broadcastShapes, kernels, numel } from "@mini/tensor";
import { accumulateBroadcast, addMulInto } from "../accumulate.js";
import { gradOf, record } from "../tape.js";
import { Variable } from "../variable.js";

/**
 * add, sub, mul, div with NumPy broadcasting (and plain numbers), neg, scale.
 *
 * Broadcast backward: the gradient of an input that was repeated along some axes is the output
 * gradient summed over those axes (kernels.reduceToShape). Operands with the same layout (same
 * shape up to 1s), the common case, skip the broadcast machinery entirely: one kernel forward, one
 * axpy (or fused loop) backward.
 */

export type Operand = Variable | number;

function needVariable(op: string, a: Operand, b: Operand): void {
  if (!(a instanceof Variable) && !(b instanceof Variable)) {
    throw new TypeError(`${op}: at least one operand must be a Variable, got two numbers (${a}, ${b})`);
  }
}

function needFinite(op: string, s: number): void {
  if (typeof s !== "number" || !Number.isFinite(s)) throw new TypeError(`${op}: scalar operand must be a finite number, got ${s}`);
}

/**
 * The output shape when a and b hold their elements in the same order, so no broadcasting is needed:
 * equal shapes, or equal sizes that broadcast to that size (shapes equal up to 1s, such as
 * [1, T, d] + [T, d]); else null.
 */
function sameLayout(op: string, a: Variable, b: Variable): readonly number[] | null {
  const as = a.shape;
  const bs = b.shape;
  if (as.length === bs.length) {
    let equal = true;
    for (let i = 0; i < as.length; i++) if (as[i] !== bs[i]) equal = false;
    if (equal) return as;
  }
  if (a.size !== b.size) return null;
  const shape = broadcastShapes(op, as, bs); // throws a ShapeError naming op and shapes if they do not broadcast
  return numel(shape) === a.size ? shape : null;
}

/** a + b */
export function add(a: Operand, b: Operand): Variable {
  needVariable("add", a, b);
  if (typeof a === "number") return add(b, a);
  if (typeof b === "number") {
    needFinite("add", b);
    const y = Tensor.from(kernels.addScalar(a.data, b), a.shape);
    return record("add", y, [a], (dy) => {
      kernels.axpy(1, dy, gradOf(a));
    });
  }
  const same = sameLayout("add", a, b);
  if (same !== null) {
    const y = Tensor.from(kernels.add(a.data, b.data), same);
    return record("add", y, [a, b], (dy) => {
      if (a.requiresGrad) kernels.axpy(1, dy, gradOf(a));
      if (b.requiresGrad) kernels.axpy(1, dy, gradOf(b));
    });
  }
  const r = kernels.broadcastBinary("add", a.data, a.shape, b.data, b.shape);
  const shape = r.shape;
  return record("add", Tensor.from(r.data, shape), [a, b], (dy) => {
    if (a.requiresGrad) accumulateBroadcast(a, dy, shape);
    if (b.requiresGrad) accumulateBroadcast(b, dy, shape);
  });
}

/** a − b */
export function sub(a: Operand, b: Operand): Variable {
  needVariable("sub", a, b);
  if (typeof b === "number") return add(a, -b);
  if (typeof a === "number") {
    needFinite("sub", a);
    // s − b
    const y = Tensor.from(kernels.addScalar(kernels.neg(b.data), a), b.shape);
    return record("sub", y, [b], (dy) => {
      kernels.axpy(-1, dy, gradOf(b));
    });
  }
  const same = sameLayout("sub", a, b);
  if (same !== null) {
    const y = Tensor.from(kernels.sub(a.data, b.data), same);
    return record("sub", y, [a, b], (dy) => {
      if (a.requiresGrad) kernels.axpy(1, dy, gradOf(a));
      if (b.requiresGrad) kernels.axpy(-1, dy, gradOf(b));
    });
  }
  const r = kernels.broadcastBinary("sub", a.data, a.shape, b.data, b.shape);
  const shape = r.shape;
  return record("sub", Tensor.from(r.data, shape), [a, b], (dy) => {
    if (a.requiresGrad) accumulateBroadcast(a, dy, shape);
    if (b.requiresGrad) accumulateBroadcast(b, dy, shape, -1);
  });
}

/** a · b (elementwise) */
export function mul(a: Operand, b: Operand): Variable {
  needVariable("mul", a, b);
  if (typeof a === "number") return scale(b as Variable, a);
  if (typeof b === "number") return scale(a, b);
  const same = sameLayout("mul", a, b);
  if (same !== null) {
    const y = Tensor.from(kernels.mul(a.data, b.data), same);
    return record("mul", y, [a, b], (dy) => {
      if (a.requiresGrad) addMulInto(gradOf(a), dy, b.data);
      if (b.requiresGrad) addMulInto(gradOf(b), dy, a.data);
    });
  }
  const r = kernels.broadcastBinary("mul", a.data, a.shape, b.data, b.shape);
  const shape = r.shape;
  return record("mul", Tensor.from(r.data, shape), [a, b], (dy) => {
    // d(a·b)/da = b broadcast to the output, then summed back to a's shape.
    if (a.requiresGrad) accumulateBroadcast(a, kernels.broadcastBinary("mul", dy, shape, b.data, b.shape).data, shape);
    if (b.requiresGrad) accumulateBroadcast(b, kernels.broadcastBinary("mul", dy, shape, a.data, a.shape).data, shape);
  });
}

/** a / b (elementwise). Division by zero follows IEEE (±Infinity/NaN), as in every framework. */
export function div(a: Operand, b: Operand): Variable {
  needVariable("div", a, b);
  if (typeof b === "number") {
    needFinite("div", b);
    if (b === 0) throw new RangeError("div: division by the number 0");
    return scale(a as Variable, 1 / b);
  }
  if (typeof a === "number") {
    needFinite("div", a);
    // y = s / b;  db += −dy · s / b² = −dy · y / b
    const bd = b.data;
    const yd = new Float32Array(bd.length);
    for (let i = 0; i < yd.length; i++) yd[i] = a / bd[i]!;
    const y = Tensor.from(yd, b.shape);
    return record("div", y, [b], (dy) => {
      const db = gradOf(b);
      const bv = b.data;
      for (let i = 0; i < db.length; i++) db[i] -= (dy[i]! * yd[i]!) / bv[i]!;
    });
  }
  const same = sameLayout("div", a, b);
  if (same !== null) {
    const y = Tensor.from(kernels.div(a.data, b.data), same);
    return record("div", y, [a, b], (dy) => {
      // t = dy / b;  da += t;  db += −t · y
      const bv = b.data;
      const yv = y.data;
      if (a.requiresGrad) {
        const da = gradOf(a);
        for (let i = 0; i < da.length; i++) da[i] += dy[i]! / bv[i]!;
      }
      if (b.requiresGrad) {
        const db = gradOf(b);
        for (let i = 0; i < db.length; i++) db[i] -= (dy[i]! / bv[i]!) * yv[i]!;
      }
    });
  }
  const r = kernels.broadcastBinary("div", a.data, a.shape, b.data, b.shape);
  const shape = r.shape;
  const y = Tensor.from(r.data, shape);
  return record("div", y, [a, b], (dy) => {
    const t = kernels.broadcastBinary("div", dy, shape, b.data, b.shape).data; // dy / b, output shape
    if (a.requiresGrad) accumulateBroadcast(a, t, shape);
    if (b.requiresGrad) accumulateBroadcast(b, kernels.mul(t, y.data, t), shape, -1);
  });
}

/** −x */
export function neg(x: Variable): Variable {
  const y = Tensor.from(kernels.neg(x.data), x.shape);
  return record("neg", y, [x], (dy) => {
    kernels.axpy(-1, dy, gradOf(x));
  });
}

/** s · x for a number s */
export function scale(x: Variable, s: number): Variable {
  if (!(x instanceof Variable)) throw new TypeError(`scale: x must be a Variable`);
  if (typeof s !== "number" || !Number.isFinite(s)) throw new TypeError(`scale: factor must be a finite number, got ${s}`);
  const y = Tensor.from(kernels.mulScalar(x.data, s), x.shape);
  return record("scale", y, [x], (dy) => {
    kernels.axpy(s, dy, gradOf(x));
  });
}
