import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ShapeError } from "../src/errors.js";
import {
  matmul, matmulTransA, matmulTransB,
  matmulJs, matmulTransAJs, matmulTransBJs,
  matmulReference, matmulTransAReference, matmulTransBReference,
} from "../src/kernels/matmul.js";
import { heap, HeapGrowthError } from "../src/wasm/heap.js";
import { wasmMatmul, type MatmulLayout } from "../src/wasm/matmul.js";
import { releaseScratch, scratchSize } from "../src/wasm/scratch.js";
import { seededFloats } from "./helpers.js";

type Kernel = (a: Float32Array, b: Float32Array, M: number, K: number, N: number, out?: Float32Array, alpha?: number, beta?: number) => Float32Array;

const layouts: { layout: MatmulLayout; dispatch: Kernel; js: Kernel; ref: Kernel }[] = [
  { layout: "nn", dispatch: matmul, js: matmulJs, ref: matmulReference },
  { layout: "nt", dispatch: matmulTransB, js: matmulTransBJs, ref: matmulTransBReference },
  { layout: "tn", dispatch: matmulTransA, js: matmulTransAJs, ref: matmulTransAReference },
];

const wasmKernel = (layout: MatmulLayout): Kernel => (a, b, M, K, N, out, alpha = 1, beta = 0) =>
  wasmMatmul(layout, a, b, M, K, N, out ?? new Float32Array(M * N), alpha, beta);

/** A copy of `src` in the WASM heap (a view, like a pinned tensor's data), or a plain copy. */
function place(src: Float32Array, pinned: boolean): Float32Array {
  if (!pinned) return src.slice();
  const v = heap.view(heap.alloc(src.length), src.length);
  v.set(src);
  return v;
}

/**
 * Checks got ≈ ref·alpha + beta·out0 with a float32 rounding bound per element:
 * |got − ref| ≤ 2e-6·(K + 4)·(|alpha|·Σ_k |a_ik·b_kj| + |beta·out0|) (mag from the abs-valued reference).
 */
function expectMatmulClose(got: Float32Array, want: Float32Array, mag: Float32Array, K: number): void {
  for (let i = 0; i < want.length; i++) {
    const tol = 2e-6 * (K + 4) * mag[i]! + 1e-30;
    if (!(Math.abs(got[i]! - want[i]!) <= tol)) expect.fail(`index ${i}: got ${got[i]}, expected ${want[i]} (tol ${tol})`);
  }
}

interface Case { M: number; K: number; N: number; alpha: number; beta: number; pinA: boolean; pinB: boolean; pinOut: boolean; seed: number }

/** Runs `kernel` on random operands of the case and compares with the layout's reference. */
function checkCase(kernel: Kernel, ref: Kernel, c: Case): void {
  const { M, K, N, alpha, beta } = c;
  const a0 = seededFloats(M * K, c.seed, 2);
  const b0 = seededFloats(K * N, c.seed + 1, 2);
  const out0 = seededFloats(M * N, c.seed + 2, 2);
  const want = ref(a0, b0, M, K, N, out0.slice(), alpha, beta);
  const mag = ref(a0.map(Math.abs), b0.map(Math.abs), M, K, N, out0.map(Math.abs), Math.abs(alpha), Math.abs(beta));
  const a = place(a0, c.pinA), b = place(b0, c.pinB), out = place(out0, c.pinOut);
  const got = kernel(a, b, M, K, N, out, alpha, beta);
  expect(got.length).toBe(M * N);
  expectMatmulClose(got, want, mag, K);
  if (!c.pinOut) expect(got).toBe(out); // unpinned out is filled in place
  for (const v of [a, b, out]) if (heap.owns(v)) heap.release(v.byteOffset);
}

const smallCase = (maxDim: number): fc.Arbitrary<Case> =>
  fc.record({
    M: fc.integer({ min: 1, max: maxDim }),
    K: fc.integer({ min: 1, max: maxDim }),
    N: fc.integer({ min: 1, max: maxDim }),
    alpha: fc.constantFrom(1, -0.5, 2.25),
    beta: fc.constantFrom(0, 1, 0.75),
    pinA: fc.boolean(),
    pinB: fc.boolean(),
    pinOut: fc.boolean(),
    seed: fc.integer({ min: 1, max: 1 << 30 }),
  });

/**
 * Shapes that cross the block sizes (KC = 256, MC = 128, NC = 2048) and the M = 1 / N = 1 paths
 * (1×300×7002: a weight over 8 MiB, which gemvT streams row by row instead of four rows at a time).
 */
const bigShapes: [number, number, number][] = [
  [1, 300, 1100], [1100, 300, 1], [1, 300, 7002], [130, 70, 260], [7, 513, 9], [9, 40, 2100], [2, 257, 3], [1, 1, 5], [5, 1, 1],
];

describe("WASM matmul equals the reference", () => {
  for (const { layout, ref } of layouts) {
    it(`${layout}: random shapes 1..70, alpha/beta, pinned and unpinned operands`, () => {
      fc.assert(fc.property(smallCase(70), (c) => checkCase(wasmKernel(layout), ref, c)), { numRuns: 60 });
    });
    it(`${layout}: block-crossing and matrix-vector shapes`, () => {
      for (const [M, K, N] of bigShapes) {
        checkCase(wasmKernel(layout), ref, { M, K, N, alpha: 1, beta: 0, pinA: true, pinB: false, pinOut: false, seed: M + K + N });
        checkCase(wasmKernel(layout), ref, { M, K, N, alpha: 0.5, beta: 0.5, pinA: false, pinB: true, pinOut: true, seed: M * K });
      }
    });
  }
});

describe("dispatching matmul and the JS fallback equal the reference", () => {
  for (const { layout, dispatch, js, ref } of layouts) {
    it(`${layout}: dispatch (WASM or JS by size) on random shapes`, () => {
      fc.assert(fc.property(smallCase(40), (c) => checkCase(dispatch, ref, c)), { numRuns: 40 });
    });
    it(`${layout}: JS fallback on random shapes and a 1×300×1100 row`, () => {
      fc.assert(fc.property(smallCase(40), (c) => checkCase(js, ref, c)), { numRuns: 40 });
      checkCase(js, ref, { M: 1, K: 300, N: 1100, alpha: 1, beta: 0.5, pinA: false, pinB: false, pinOut: false, seed: 5 });
    });
  }
});

describe("matmul properties", () => {
  it("(A·B)ᵀ = Bᵀ·Aᵀ, computed through the three layouts", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1, max: 50 }), (M, K, N) => {
        const A = seededFloats(M * K, M * 7 + K, 1);
        const B = seededFloats(K * N, N * 13 + K, 1);
        const C = matmul(A, B, M, K, N); // [M,N]
        const Bt = transpose(B, K, N); // [N,K]
        const At = transpose(A, M, K); // [K,M]
        const D1 = matmulTransB(Bt, A, N, K, M); // Bᵀ·(A)ᵀ with A stored [M,K]  → [N,M]
        const D2 = matmulTransA(B, At, N, K, M); // (B)ᵀ·Aᵀ with B stored [K,N]  → [N,M]
        const Ct = transpose(C, M, N);
        const mag = transpose(matmul(A.map(Math.abs), B.map(Math.abs), M, K, N), M, N);
        expectMatmulClose(D1, Ct, mag, K);
        expectMatmulClose(D2, Ct, mag, K);
      }),
      { numRuns: 40 },
    );
  });

  it("A·Bᵀ with 2 rows gives each row bit-identical to its 1-row product (a batch of two decode steps)", () => {
    fc.assert(
      fc.property(fc.constant(2), fc.integer({ min: 1, max: 300 }), fc.integer({ min: 2, max: 300 }), fc.constantFrom(0, 0.5), (M, K, n, beta) => {
        const N = Math.max(n, Math.ceil(2048 / K)); // the 1-row product big enough for WASM too (dispatch by size)
        const A = seededFloats(M * K, M * 31 + K, 1);
        const B = seededFloats(N * K, N * 17 + K, 1);
        const out0 = seededFloats(M * N, K + N, 1);
        const all = matmulTransB(A, B, M, K, N, out0.slice(), 1.5, beta);
        for (let i = 0; i < M; i++) {
          const row = matmulTransB(A.subarray(i * K, (i + 1) * K), B, 1, K, N, out0.slice(i * N, (i + 1) * N), 1.5, beta);
          expect(Array.from(all.subarray(i * N, (i + 1) * N)), `row ${i} of ${M}×${K}·(${N}×${K})ᵀ`).toEqual(Array.from(row));
        }
      }),
      { numRuns: 40 },
    );
  });

  it("beta = 0 overwrites NaN in out; K = 0 gives beta·out", () => {
    for (const { dispatch } of layouts) {
      const a = seededFloats(20 * 30, 1), b = seededFloats(30 * 20, 2);
      const out = new Float32Array(400).fill(NaN);
      dispatch(a, b, 20, 30, 20, out);
      expect(out.every(Number.isFinite)).toBe(true);
      const o2 = new Float32Array([1, NaN, 3, 4]);
      dispatch(new Float32Array(0), new Float32Array(0), 2, 0, 2, o2, 1, 0);
      expect(Array.from(o2)).toEqual([0, 0, 0, 0]);
      const o3 = new Float32Array([1, 2, 3, 4]);
      dispatch(new Float32Array(0), new Float32Array(0), 2, 0, 2, o3, 1, 2);
      expect(Array.from(o3)).toEqual([2, 4, 6, 8]);
    }
  });

  it("throws ShapeError naming the op and sizes when arrays are too small", () => {
    const a = new Float32Array(6), b = new Float32Array(6);
    expect(() => matmul(a, b, 2, 3, 3)).toThrow(ShapeError);
    expect(() => matmul(a, b, 2, 3, 3)).toThrow(/matmul: b has 6 elements, b \[K,N\] with M=2, K=3, N=3 needs 9/);
    expect(() => matmulTransB(a, b, 3, 3, 2)).toThrow(/matmulTransB: a has 6 elements/);
    expect(() => matmulTransA(a, b, 2, 3, 2, new Float32Array(3))).toThrow(/matmulTransA: out has 3 elements.*needs 4/);
    expect(() => matmul(a, b, 2.5, 3, 2)).toThrow(/matmul: M must be a non-negative integer, got 2.5/);
  });
});

describe("WASM matmul and heap growth", () => {
  // The scratch must grow past the memory: a JS operand larger than any free block, with the rest
  // of the memory taken by an untouched filler block (no resident cost).
  const K = 1 << 22;
  function fillHeap(): number {
    releaseScratch();
    return heap.alloc((heap.capacity - heap.topAddress) / 4, { zero: false });
  }

  it("a call holding pinned operands never grows the memory: HeapGrowthError names the kernel", () => {
    const a = place(seededFloats(K, 3), true);
    const out = place(new Float32Array(1), true);
    const b = seededFloats(K, 4); // on the JS heap: needs K floats of scratch
    const filler = fillHeap();
    const capacity = heap.capacity, generation = heap.generation;
    try {
      expect(() => wasmMatmul("nn", a, b, 1, K, 1, out, 1, 0)).toThrow(HeapGrowthError);
      expect(() => wasmMatmul("nn", a, b, 1, K, 1, out, 1, 0)).toThrow(/matmul "nn" \[1, 4194304, 1\].*asked for \d+ bytes/);
      expect(heap.capacity).toBe(capacity);
      expect(heap.generation).toBe(generation);
      expect(heap.owns(a)).toBe(true);
    } finally {
      heap.release(filler);
      heap.release(a.byteOffset);
      heap.release(out.byteOffset);
    }
  });

  it("a call on JS arrays only may grow the memory (it holds no view of it)", () => {
    const a0 = seededFloats(K, 5), b0 = seededFloats(K, 6);
    const filler = fillHeap();
    const generation = heap.generation;
    try {
      const got = wasmMatmul("nn", a0, b0, 1, K, 1, new Float32Array(1), 1, 0);
      expect(heap.generation).toBeGreaterThan(generation);
      expectMatmulClose(got, matmulReference(a0, b0, 1, K, 1), matmulReference(a0.map(Math.abs), b0.map(Math.abs), 1, K, 1), K);
    } finally {
      heap.release(filler);
      releaseScratch();
    }
  });
});

describe("WASM scratch", () => {
  it("keeps the largest size, can be released, and is re-made on the next call", () => {
    const a = seededFloats(40 * 50, 1), b = seededFloats(50 * 60, 2);
    const want = matmulReference(a, b, 40, 50, 60);
    const mag = matmulReference(a.map(Math.abs), b.map(Math.abs), 40, 50, 60);
    expectMatmulClose(wasmMatmul("nn", a, b, 40, 50, 60, new Float32Array(2400), 1, 0), want, mag, 50);
    expect(scratchSize()).toBeGreaterThanOrEqual(40 * 50 + 50 * 60 + 40 * 60); // the three copies at least
    const live = heap.liveBytes;
    releaseScratch();
    expect(scratchSize()).toBe(0);
    expect(heap.liveBytes).toBeLessThan(live);
    expectMatmulClose(wasmMatmul("nn", a, b, 40, 50, 60, new Float32Array(2400), 1, 0), want, mag, 50);
  });
});

function transpose(x: Float32Array, rows: number, cols: number): Float32Array {
  const t = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[c * rows + r] = x[r * cols + c]!;
  return t;
}
