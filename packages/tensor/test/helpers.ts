import fc from "fast-check";
import { expect } from "vitest";
import { heap } from "../src/wasm/heap.js";

/** A Float32Array of length n with values in [-scale, scale], drawn from a seeded fast-check run. */
export function floats(n: number, scale = 4): fc.Arbitrary<Float32Array> {
  return fc
    .array(fc.float({ min: Math.fround(-scale), max: Math.fround(scale), noNaN: true, noDefaultInfinity: true }), {
      minLength: n,
      maxLength: n,
    })
    .map((a) => Float32Array.from(a));
}

/** Deterministic pseudo-random floats (for fixtures that do not need shrinking). */
export function seededFloats(n: number, seed: number, scale = 1): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out[i] = ((s / 4294967296) * 2 - 1) * scale;
  }
  return out;
}

/** max |a − b| ≤ atol + rtol·|b| elementwise, with a message naming the first bad index. */
export function expectClose(a: ArrayLike<number>, b: ArrayLike<number>, atol = 1e-6, rtol = 1e-6): void {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x === y) continue; // also covers equal infinities
    if (Number.isNaN(y)) {
      if (!Number.isNaN(x)) expect.fail(`index ${i}: got ${x}, expected NaN`);
      continue;
    }
    if (!(Math.abs(x - y) <= atol + rtol * Math.abs(y))) expect.fail(`index ${i}: got ${x}, expected ${y} (atol ${atol}, rtol ${rtol})`);
  }
}

/** Dims including sizes that are not multiples of 4/8/16. */
export const dim = (max = 37) => fc.integer({ min: 1, max });

/** WASM heap blocks handed out by placed(), freed by releasePlaced() (a test file's afterEach). */
const placedBlocks: number[] = [];

/** A copy of src in the WASM heap (like a pinned tensor's data) when `pinned`, else on the JS heap. */
export function placed(src: Float32Array, pinned: boolean): Float32Array {
  if (!pinned) return src.slice();
  const ptr = heap.alloc(src.length);
  placedBlocks.push(ptr);
  const v = heap.view(ptr, src.length);
  v.set(src);
  return v;
}

/** Frees every block placed() handed out. */
export function releasePlaced(): void {
  while (placedBlocks.length > 0) heap.release(placedBlocks.pop()!);
}
