/**
 * Readable reference loops for the elementwise binary kernels in elementwise.ts.
 * Same signatures; used by tests (fast === reference) and benches only.
 */

export function addReference(a: Float32Array, b: Float32Array, out: Float32Array = new Float32Array(a.length)): Float32Array {
  for (let i = 0; i < a.length; i++) out[i] = a[i]! + b[i]!;
  return out;
}

export function subReference(a: Float32Array, b: Float32Array, out: Float32Array = new Float32Array(a.length)): Float32Array {
  for (let i = 0; i < a.length; i++) out[i] = a[i]! - b[i]!;
  return out;
}

export function mulReference(a: Float32Array, b: Float32Array, out: Float32Array = new Float32Array(a.length)): Float32Array {
  for (let i = 0; i < a.length; i++) out[i] = a[i]! * b[i]!;
  return out;
}

export function divReference(a: Float32Array, b: Float32Array, out: Float32Array = new Float32Array(a.length)): Float32Array {
  for (let i = 0; i < a.length; i++) out[i] = a[i]! / b[i]!;
  return out;
}

export function addScalarReference(a: Float32Array, s: number, out: Float32Array = new Float32Array(a.length)): Float32Array {
  for (let i = 0; i < a.length; i++) out[i] = a[i]! + s;
  return out;
}

export function mulScalarReference(a: Float32Array, s: number, out: Float32Array = new Float32Array(a.length)): Float32Array {
  for (let i = 0; i < a.length; i++) out[i] = a[i]! * s;
  return out;
}

/** y += alpha·x, in place. */
export function axpyReference(alpha: number, x: Float32Array, y: Float32Array): Float32Array {
  for (let i = 0; i < x.length; i++) y[i] = y[i]! + alpha * x[i]!;
  return y;
}

/** y += Σ over the rows of x [rows, cols], row by row (y [cols]). */
export function addColumnSumsReference(x: Float32Array, rows: number, cols: number, y: Float32Array): Float32Array {
  for (let r = 0; r < rows; r++) for (let j = 0; j < cols; j++) y[j] = y[j]! + x[r * cols + j]!;
  return y;
}
