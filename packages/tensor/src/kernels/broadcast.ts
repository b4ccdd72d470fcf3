import { ShapeError, fmtShape } from "../errors.js";
import { broadcastShapes, numel } from "../shape.js";

/**
 * NumPy broadcasting for the binary ops, and its adjoint (reduceToShape) for autograd.
 * Shapes are right-aligned; a dim of 1 (or a missing leading dim) is repeated. The loops walk the
 * output with the last axis innermost, so each inner loop is a strided scan of a and b
 * (stride 0 on a broadcast axis).
 */

export type BinaryOp = "add" | "sub" | "mul" | "div";

/** Per-axis element strides of `shape` seen from a rank-`rank` output: 0 on broadcast axes. */
function broadcastStrides(shape: readonly number[], outShape: readonly number[]): number[] {
  const rank = outShape.length;
  const s = new Array<number>(rank).fill(0);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    const axis = rank - shape.length + i;
    s[axis] = shape[i] === 1 && outShape[axis] !== 1 ? 0 : acc;
    acc *= shape[i]!;
  }
  return s;
}

/**
 * Calls `visit(outStart, aStart, bStart)` for every innermost run of the output; each run has
 * `outShape[last]` elements and a, b advance by `sa`, `sb` per element.
 */
function forEachRun(
  outShape: readonly number[],
  aStr: number[],
  bStr: number[],
  visit: (o: number, ia: number, ib: number) => void,
): void {
  const rank = outShape.length;
  if (rank === 0) {
    visit(0, 0, 0);
    return;
  }
  const inner = outShape[rank - 1]!;
  const runs = inner === 0 ? 0 : numel(outShape) / inner;
  const idx = new Array<number>(rank - 1).fill(0);
  let ia = 0;
  let ib = 0;
  for (let r = 0; r < runs; r++) {
    visit(r * inner, ia, ib);
    // Odometer increment over the outer axes, updating the a/b offsets incrementally.
    for (let ax = rank - 2; ax >= 0; ax--) {
      idx[ax]!++;
      ia += aStr[ax]!;
      ib += bStr[ax]!;
      if (idx[ax]! < outShape[ax]!) break;
      ia -= aStr[ax]! * outShape[ax]!;
      ib -= bStr[ax]! * outShape[ax]!;
      idx[ax] = 0;
    }
  }
}

/** a op b with NumPy broadcasting; returns the result and its shape. */
export function broadcastBinary(
  op: BinaryOp,
  a: Float32Array,
  aShape: readonly number[],
  b: Float32Array,
  bShape: readonly number[],
): { data: Float32Array; shape: number[] } {
  if (numel(aShape) !== a.length || numel(bShape) !== b.length) {
    throw new ShapeError(
      `broadcastBinary(${op}): data lengths ${a.length}, ${b.length} do not match shapes ${fmtShape(aShape)}, ${fmtShape(bShape)}`,
    );
  }
  const shape = broadcastShapes(op, aShape, bShape);
  const out = new Float32Array(numel(shape));
  const rank = shape.length;
  const aStr = broadcastStrides(aShape, shape);
  const bStr = broadcastStrides(bShape, shape);
  const inner = rank === 0 ? 1 : shape[rank - 1]!;
  const sa = rank === 0 ? 0 : aStr[rank - 1]!;
  const sb = rank === 0 ? 0 : bStr[rank - 1]!;
  // One inner loop per op so each loop body stays monomorphic.
  const visit =
    op === "add"
      ? (o: number, ia: number, ib: number) => {
          for (let j = 0; j < inner; j++) out[o + j] = a[ia + j * sa]! + b[ib + j * sb]!;
        }
      : op === "sub"
        ? (o: number, ia: number, ib: number) => {
            for (let j = 0; j < inner; j++) out[o + j] = a[ia + j * sa]! - b[ib + j * sb]!;
          }
        : op === "mul"
          ? (o: number, ia: number, ib: number) => {
              for (let j = 0; j < inner; j++) out[o + j] = a[ia + j * sa]! * b[ib + j * sb]!;
            }
          : (o: number, ia: number, ib: number) => {
              for (let j = 0; j < inner; j++) out[o + j] = a[ia + j * sa]! / b[ib + j * sb]!;
            };
  forEachRun(shape, aStr, bStr, visit);
  return { data: out, shape };
}

/**
 * Sums `grad` (shape gradShape, a broadcast result) back to `targetShape`: the gradient of
 * broadcasting. targetShape must broadcast to gradShape. Accumulates in float64.
 */
export function reduceToShape(grad: Float32Array, gradShape: readonly number[], targetShape: readonly number[]): Float32Array {
  const fail = () =>
    new ShapeError(`reduceToShape: target ${fmtShape(targetShape)} does not broadcast to gradient shape ${fmtShape(gradShape)}`);
  if (numel(gradShape) !== grad.length) {
    throw new ShapeError(`reduceToShape: gradient has ${grad.length} elements but shape ${fmtShape(gradShape)}`);
  }
  if (targetShape.length > gradShape.length) throw fail();
  for (let i = 0; i < targetShape.length; i++) {
    const t = targetShape[i]!;
    const g = gradShape[gradShape.length - targetShape.length + i]!;
    if (t !== g && t !== 1) throw fail();
  }
  const n = numel(targetShape);
  if (n === grad.length) return new Float32Array(grad); // nothing was broadcast
  const acc = new Float64Array(n);
  const tStr = broadcastStrides(targetShape, gradShape);
  const rank = gradShape.length;
  const inner = gradShape[rank - 1]!;
  const st = tStr[rank - 1]!;
  forEachRun(gradShape, tStr, tStr, (o, it) => {
    for (let j = 0; j < inner; j++) acc[it + j * st] += grad[o + j]!;
  });
  return Float32Array.from(acc);
}
