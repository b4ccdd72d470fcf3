import { ShapeError } from "@mini/tensor";

/** Shape helpers for the ops' argument checks; errors name the op and the shapes involved. */

export function fmt(shape: readonly number[]): string {
  return `[${shape.join(", ")}]`;
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** A possibly negative axis resolved against the rank of `shape`; throws a ShapeError naming the op. */
export function resolveAxis(op: string, axis: number, shape: readonly number[]): number {
  const r = shape.length;
  const a = axis < 0 ? axis + r : axis;
  if (!Number.isInteger(a) || a < 0 || a >= r) throw new ShapeError(`${op}: axis ${axis} is out of range for shape ${fmt(shape)}`);
  return a;
}

/** Throws unless `shape` has at least `min` dims. */
export function needRank(op: string, what: string, shape: readonly number[], min: number): void {
  if (shape.length < min) throw new ShapeError(`${op}: ${what} must have rank ≥ ${min}, got shape ${fmt(shape)}`);
}

/** Throws unless the two shapes are equal. */
export function needSameShape(op: string, aName: string, a: readonly number[], bName: string, b: readonly number[]): void {
  if (!sameShape(a, b)) throw new ShapeError(`${op}: ${aName} ${fmt(a)} and ${bName} ${fmt(b)} must have the same shape`);
}
