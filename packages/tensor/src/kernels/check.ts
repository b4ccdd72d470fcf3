import { ShapeError } from "../errors.js";

/**
 * Small argument checks shared by the kernels. They run once per call (never per element),
 * so they cost nothing next to the loops, and turn a silent out-of-bounds read (typed arrays
 * return undefined → NaN) into an error naming the kernel and the sizes.
 */

/** `out` if given (checking its length), else a fresh zeroed Float32Array of length n. */
export function outArray(op: string, out: Float32Array | undefined, n: number): Float32Array {
  if (out === undefined) return new Float32Array(n);
  if (out.length < n) throw new ShapeError(`${op}: out has ${out.length} elements, need ${n}`);
  return out;
}

/** Throws unless `a` holds at least n elements. */
export function needLength(op: string, what: string, a: ArrayLike<number>, n: number): void {
  if (a.length < n) throw new ShapeError(`${op}: ${what} has ${a.length} elements, need ${n}`);
}

/** Throws unless every dim is a non-negative integer. */
export function needDims(op: string, dims: Record<string, number>): void {
  // for…in rather than Object.entries: no array per call (kernels are called thousands of times a second)
  for (const k in dims) {
    const v = dims[k]!;
    if (!Number.isInteger(v) || v < 0) throw new ShapeError(`${op}: ${k} must be a non-negative integer, got ${v}`);
  }
}
