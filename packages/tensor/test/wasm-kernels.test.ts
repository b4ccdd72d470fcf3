import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { axpyReference, addReference, mulReference, mulScalarReference, subReference } from "../src/kernels/elementwise.reference.js";
import { reluBackwardReference, reluReference, siluBackwardReference, siluReference, swigluBackwardReference, swigluReference } from "../src/kernels/activations.reference.js";
import {
  layerNormBackwardReference, layerNormReference, layerNormStdEpsBackwardReference, layerNormStdEpsReference,
  rmsNormBackwardReference, rmsNormReference,
} from "../src/kernels/norm.reference.js";
import { ropeReference } from "../src/kernels/rope.reference.js";
import { RopeTable } from "../src/kernels/rope.js";
import { logSoftmaxReference, softmaxBackwardReference, softmaxReference } from "../src/kernels/softmax.reference.js";
import { wasmAdd, wasmAxpy, wasmMul, wasmMulScalar, wasmRelu, wasmReluBackward, wasmSub } from "../src/wasm/elementwise.js";
import { wasmLogSoftmax, wasmSilu, wasmSiluBackward, wasmSoftmax, wasmSoftmaxBackward, wasmSwiglu, wasmSwigluBackward } from "../src/wasm/exp.js";
import { wasmLayerNorm, wasmLayerNormBackward, wasmLayerNormStdEps, wasmLayerNormStdEpsBackward, wasmRmsNorm, wasmRmsNormBackward } from "../src/wasm/norm.js";
import { wasmRope } from "../src/wasm/rope.js";
import { expectClose, placed as place, releasePlaced, seededFloats } from "./helpers.js";

/**
 * Every WASM kernel (besides matmul: matmul.test.ts) against its readable reference, on random
 * shapes whose sizes are not multiples of the SIMD width, with operands in the WASM heap (pinned)
 * or on the JS heap (copied in and out), and in place where the kernel allows it.
 */

afterEach(releasePlaced);

const shape = fc.record({
  rows: fc.integer({ min: 1, max: 9 }),
  cols: fc.integer({ min: 1, max: 70 }),
  pinned: fc.boolean(),
  seed: fc.integer({ min: 1, max: 1 << 30 }),
});
const runs = { numRuns: 40 };

describe("WASM softmax family equals the reference", () => {
  it("softmax, with and without the causal mask (and its window), in place or not", () => {
    const causal = fc.option(
      fc.record(
        { offset: fc.integer({ min: 0, max: 40 }), period: fc.integer({ min: 1, max: 9 }), window: fc.integer({ min: 1, max: 12 }) },
        { requiredKeys: ["offset", "period"] },
      ),
      { nil: undefined },
    );
    fc.assert(
      fc.property(shape, causal, fc.boolean(), ({ rows, cols, pinned, seed }, mask, inPlace) => {
        const x0 = seededFloats(rows * cols, seed, 30);
        const want = softmaxReference(x0, rows, cols, undefined, mask);
        const x = place(x0, pinned);
        const got = wasmSoftmax(x, rows, cols, inPlace ? x : place(new Float32Array(rows * cols).fill(NaN), pinned), mask);
        expectClose(got, want, 1e-9, 5e-6);
        for (let i = 0; i < want.length; i++) if (want[i] === 0) expect(got[i]).toBe(0); // masked: exactly 0
      }),
      runs,
    );
  });

  it("softmax of rows with -Infinity (masked scores) and large values; a 32002-wide row", () => {
    const x = new Float32Array([0, -Infinity, 3, -Infinity, 80, -80, 1e-3, -Infinity, 88, -100]);
    const got = wasmSoftmax(x, 2, 5, new Float32Array(10));
    expectClose(got, softmaxReference(x, 2, 5), 1e-7, 1e-5);
    expect(got[1]).toBe(0);
    const wide = seededFloats(32002, 7, 20);
    expectClose(wasmSoftmax(wide, 1, 32002, new Float32Array(32002)), softmaxReference(wide, 1, 32002), 1e-9, 1e-5);
  });

  it("logSoftmax and softmaxBackward", () => {
    fc.assert(
      fc.property(shape, ({ rows, cols, pinned, seed }) => {
        const n = rows * cols;
        const x0 = seededFloats(n, seed, 30);
        expectClose(wasmLogSoftmax(place(x0, pinned), rows, cols, place(new Float32Array(n), pinned)), logSoftmaxReference(x0, rows, cols), 2e-5, 1e-5);
        const y = softmaxReference(x0, rows, cols);
        const dy = seededFloats(n, seed + 1, 2);
        const dx0 = seededFloats(n, seed + 2, 1);
        const want = softmaxBackwardReference(y, dy, rows, cols, dx0.slice());
        expectClose(wasmSoftmaxBackward(place(y, pinned), place(dy, pinned), rows, cols, place(dx0, pinned)), want, 1e-6, 1e-5);
      }),
      runs,
    );
  });
});

describe("WASM relu / reluBackward equal the JS loops bit for bit", () => {
  const bitsOf = (a: Float32Array): Uint32Array => new Uint32Array(a.slice().buffer);
  /** Random values with NaN, ±0, ±∞ and subnormals sprinkled in (the cases where max(x, 0) would differ). */
  const special = [Number.NaN, 0, -0, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1e-45, -1e-45, 3.4e38, -3.4e38];
  const values = (n: number, seed: number): Float32Array => {
    const v = seededFloats(n, seed, 3);
    for (let i = 0; i < n; i += 1 + (seed % 7)) v[i] = special[(i + seed) % special.length]!;
    return v;
  };
  const vec = fc.record({ n: fc.integer({ min: 1, max: 3000 }), pinned: fc.boolean(), inPlace: fc.boolean(), seed: fc.integer({ min: 1, max: 1 << 30 }) });

  it("relu: x > 0 ? x : 0 (NaN and −0 give +0), pinned or not, in place or not", () => {
    fc.assert(
      fc.property(vec, ({ n, pinned, inPlace, seed }) => {
        const x0 = values(n, seed);
        const x = place(x0, pinned);
        const got = wasmRelu(x, inPlace ? x : place(new Float32Array(n), pinned));
        expect(bitsOf(got)).toEqual(bitsOf(reluReference(x0)));
      }),
      runs,
    );
  });

  it("reluBackward: dx += dy where x > 0, dx untouched elsewhere (−0 stays −0)", () => {
    fc.assert(
      fc.property(vec, ({ n, pinned, seed }) => {
        const x = values(n, seed), dy = values(n, seed + 1), dx0 = values(n, seed + 2);
        const got = wasmReluBackward(place(x, pinned), place(dy, pinned), place(dx0, pinned));
        // kernels/activations.ts's loop: `if (x > 0) dx += dy` (the reference adds 0 instead, which
        // matches up to the sign of a zero dx)
        const want = dx0.slice();
        for (let i = 0; i < n; i++) if (x[i]! > 0) want[i] = Math.fround(dx0[i]! + dy[i]!);
        expect(bitsOf(got)).toEqual(bitsOf(want));
        expectClose(got, reluBackwardReference(x, dy, dx0.slice()), 0, 0);
      }),
      runs,
    );
  });
});

describe("WASM silu / swiglu equal the reference", () => {
  const vec = fc.record({ n: fc.integer({ min: 1, max: 300 }), pinned: fc.boolean(), seed: fc.integer({ min: 1, max: 1 << 30 }) });

  it("silu and swiglu (values up to ±100: exp overflow and underflow)", () => {
    fc.assert(
      fc.property(vec, fc.boolean(), ({ n, pinned, seed }, inPlace) => {
        const g0 = seededFloats(n, seed, 100);
        const u0 = seededFloats(n, seed + 1, 3);
        const g = place(g0, pinned);
        expectClose(wasmSilu(g, inPlace ? g : place(new Float32Array(n), pinned)), siluReference(g0), 1e-9, 1e-6);
        const g2 = place(g0, pinned);
        expectClose(wasmSwiglu(g2, place(u0, pinned), inPlace ? g2 : new Float32Array(n)), swigluReference(g0, u0), 1e-9, 1e-6);
      }),
      runs,
    );
  });

  it("siluBackward and swigluBackward accumulate", () => {
    fc.assert(
      fc.property(vec, ({ n, pinned, seed }) => {
        const g = seededFloats(n, seed, 12), u = seededFloats(n, seed + 1, 3), dy = seededFloats(n, seed + 2, 2);
        const dg0 = seededFloats(n, seed + 3, 1), du0 = seededFloats(n, seed + 4, 1);
        expectClose(wasmSiluBackward(place(g, pinned), place(dy, pinned), place(dg0, pinned)), siluBackwardReference(g, dy, dg0.slice()), 1e-6, 1e-5);
        const dg = place(dg0, pinned), du = place(du0, pinned);
        const wantG = dg0.slice(), wantU = du0.slice();
        swigluBackwardReference(g, u, dy, wantG, wantU);
        wasmSwigluBackward(place(g, pinned), place(u, pinned), place(dy, pinned), dg, du);
        expectClose(dg, wantG, 1e-6, 1e-5);
        expectClose(du, wantU, 1e-6, 1e-5);
      }),
      runs,
    );
  });
});

describe("WASM norms equal the reference", () => {
  it("rmsNorm (with rrms) and its backward", () => {
    fc.assert(
      fc.property(shape, fc.boolean(), ({ rows, cols, pinned, seed }, inPlace) => {
        const n = rows * cols;
        const x0 = seededFloats(n, seed, 3), w = seededFloats(cols, seed + 1, 2);
        const wantR = new Float32Array(rows);
        const want = rmsNormReference(x0, w, rows, cols, 1e-5, undefined, wantR);
        const x = place(x0, pinned);
        const rrms = place(new Float32Array(rows), pinned);
        expectClose(wasmRmsNorm(x, place(w, pinned), rows, cols, 1e-5, inPlace ? x : place(new Float32Array(n), pinned), rrms), want, 1e-6, 1e-5);
        expectClose(rrms, wantR, 1e-7, 1e-5);
        const dy = seededFloats(n, seed + 2, 1), dx0 = seededFloats(n, seed + 3, 1), dw0 = seededFloats(cols, seed + 4, 1);
        const wantDx = dx0.slice(), wantDw = dw0.slice();
        rmsNormBackwardReference(x0, w, wantR, dy, rows, cols, wantDx, wantDw);
        const dx = place(dx0, pinned), dw = place(dw0, pinned);
        wasmRmsNormBackward(place(x0, pinned), place(w, pinned), place(wantR, pinned), place(dy, pinned), rows, cols, dx, dw);
        expectClose(dx, wantDx, 1e-5, 1e-4);
        expectClose(dw, wantDw, 1e-5, 1e-4);
      }),
      runs,
    );
  });

  it("layerNorm (bias or not, mean/rstd) and its backward, including rows far from 0", () => {
    fc.assert(
      fc.property(shape, fc.boolean(), fc.constantFrom(0, 50), ({ rows, cols, pinned, seed }, withBias, shift) => {
        const n = rows * cols;
        const x0 = seededFloats(n, seed, 3).map((v) => v + shift), w = seededFloats(cols, seed + 1, 2);
        const b = withBias ? seededFloats(cols, seed + 5, 1) : null;
        const wantM = new Float32Array(rows), wantS = new Float32Array(rows);
        const want = layerNormReference(x0, w, b, rows, cols, 1e-5, undefined, wantM, wantS);
        const mean = place(new Float32Array(rows), pinned), rstd = place(new Float32Array(rows), pinned);
        const got = wasmLayerNorm(place(x0, pinned), place(w, pinned), b && place(b, pinned), rows, cols, 1e-5, place(new Float32Array(n), pinned), mean, rstd);
        // Rows far from 0 lose digits in x − mean: float32 rounds x by an ulp of |x|, which the
        // normalisation multiplies by rstd (by rstd² in dx); the tolerances grow by that condition.
        const cond = 8 * 2 ** -23 * (shift + 3) * Math.max(...wantS);
        expectClose(got, want, 2e-5 + 2 * cond, 1e-4);
        expectClose(mean, wantM, 1e-5, 1e-6);
        expectClose(rstd, wantS, 1e-6, 1e-4);
        const dy = seededFloats(n, seed + 2, 1), dx0 = seededFloats(n, seed + 3, 1), dw0 = seededFloats(cols, seed + 4, 1);
        const db0 = withBias ? seededFloats(cols, seed + 6, 1) : null;
        const wantDx = dx0.slice(), wantDw = dw0.slice(), wantDb = db0 && db0.slice();
        layerNormBackwardReference(x0, w, wantM, wantS, dy, rows, cols, wantDx, wantDw, wantDb);
        const dx = place(dx0, pinned), dw = place(dw0, pinned), db = db0 && place(db0, pinned);
        wasmLayerNormBackward(place(x0, pinned), place(w, pinned), place(wantM, pinned), place(wantS, pinned), place(dy, pinned), rows, cols, dx, dw, db);
        expectClose(dx, wantDx, 1e-4 + 2 * cond * Math.max(...wantS), 1e-4);
        expectClose(dw, wantDw, 1e-4, 1e-4);
        if (db && wantDb) expectClose(db, wantDb, 1e-6, 1e-6);
      }),
      runs,
    );
  });
});

describe("WASM layerNormStdEps (RustGPT: eps added to σ) equals the reference", () => {
  it("forward (mean, std saved) and backward, including constant rows (σ = 0)", () => {
    fc.assert(
      fc.property(shape, fc.boolean(), fc.boolean(), ({ rows, cols, pinned, seed }, withBias, constantRow) => {
        const n = rows * cols;
        const x0 = seededFloats(n, seed, 3);
        // 0.75 is exact in binary, so every implementation gets deviations of exactly 0 (σ = 0); a value like 0.7
        // leaves rounding residue that the 1/(σ + ε) = 1e5 factor amplifies differently per summation order.
        if (constantRow) x0.fill(0.75, 0, cols);
        const w = seededFloats(cols, seed + 1, 2), b = withBias ? seededFloats(cols, seed + 5, 1) : null;
        const wantM = new Float32Array(rows), wantS = new Float32Array(rows);
        const want = layerNormStdEpsReference(x0, w, b, rows, cols, 1e-5, undefined, wantM, wantS);
        const mean = place(new Float32Array(rows), pinned), std = place(new Float32Array(rows), pinned);
        const got = wasmLayerNormStdEps(place(x0, pinned), place(w, pinned), b && place(b, pinned), rows, cols, 1e-5, place(new Float32Array(n), pinned), mean, std);
        // The kernel sums a row in float64 but keeps its mean m in float32: off by up to 2^-24·|m|, which
        // shifts every x − m of the row and comes out times s·w, s = 1/(σ + ε) — up to 1e5 where the row's
        // values nearly agree (x = (2.62118, 2.62022): σ = 4.8e-4, m half an ulp off, 1.6e-4 on an output
        // of 0.65). Twice that per row covers it (the σ it shifts moves by (δm)²/2σ); later roundings are relative.
        let wMax = 0;
        for (let j = 0; j < cols; j++) wMax = Math.max(wMax, Math.abs(w[j]!));
        for (let r = 0; r < rows; r++) {
          const meanShift = (2 * 2 ** -24 * Math.abs(wantM[r]!) * wMax) / (wantS[r]! + 1e-5);
          expectClose(got.subarray(r * cols, (r + 1) * cols), want.subarray(r * cols, (r + 1) * cols), 2e-5 + meanShift, 1e-5);
        }
        expectClose(mean, wantM, 1e-6, 1e-5);
        expectClose(std, wantS, 1e-6, 1e-5);
        const dy = seededFloats(n, seed + 2, 1), dx0 = seededFloats(n, seed + 3, 1), dw0 = seededFloats(cols, seed + 4, 1);
        const db0 = withBias ? seededFloats(cols, seed + 6, 1) : null;
        const wantDx = dx0.slice(), wantDw = dw0.slice(), wantDb = db0 && db0.slice();
        layerNormStdEpsBackwardReference(x0, w, wantM, wantS, dy, rows, cols, 1e-5, wantDx, wantDw, wantDb);
        const dx = place(dx0, pinned), dw = place(dw0, pinned), db = db0 && place(db0, pinned);
        wasmLayerNormStdEpsBackward(place(x0, pinned), place(w, pinned), place(wantM, pinned), place(wantS, pinned), place(dy, pinned), rows, cols, 1e-5, dx, dw, db);
        if (constantRow) {
          // σ = 0: dx = dx0 + (dn − mean(dn))/ε, so float32 rounding of mean(dn) (summed in another order
          // than the reference's) is scaled by 1/ε = 1e5. Bound: cols·2⁻²⁴·max|dn|/ε per element.
          let maxDn = 0;
          for (let j = 0; j < cols; j++) maxDn = Math.max(maxDn, Math.abs(dy[j]! * w[j]!));
          const tol = (4 * cols * 2 ** -24 * maxDn) / 1e-5 + 1e-4;
          for (let j = 0; j < cols; j++) expect(Math.abs(dx[j]! - wantDx[j]!)).toBeLessThanOrEqual(tol);
          expectClose(dx.subarray(cols), wantDx.subarray(cols), 1e-4, 1e-4);
        } else expectClose(dx, wantDx, 1e-4, 1e-4);
        expectClose(dw, wantDw, 1e-4, 1e-4);
        if (db && wantDb) expectClose(db, wantDb, 1e-6, 1e-6);
      }),
      runs,
    );
  });
});

describe("WASM rope equals the reference", () => {
  it("half and interleaved, forward and inverse, in place or not", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 19 }).map((h) => 2 * h),
        fc.integer({ min: 0, max: 3000 }), fc.constantFrom("half" as const, "interleaved" as const), fc.boolean(), fc.boolean(), fc.boolean(),
        (seq, nHeads, headDim, startPos, style, inverse, inPlace, pinned) => {
          const n = seq * nHeads * headDim;
          const x0 = seededFloats(n, seq * 1000 + headDim, 2);
          const want = ropeReference(x0, seq, nHeads, headDim, startPos, 10000, style, undefined, inverse);
          const x = place(x0, pinned);
          const table = new RopeTable(headDim, 10000);
          table.ensure(startPos + seq);
          const rows = (a: Float32Array) => a.subarray(startPos * (headDim / 2), (startPos + seq) * (headDim / 2));
          const got = wasmRope(x, seq, nHeads, headDim, rows(table.cos), rows(table.sin), style, inPlace ? x : place(new Float32Array(n), pinned), inverse);
          expectClose(got, want, 1e-6, 1e-5);
        },
      ),
      runs,
    );
  });
});

describe("WASM elementwise kernels equal the reference", () => {
  it("add, sub, mul, mulScalar, axpy (pinned or JS operands, in place or not)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 200 }), fc.integer({ min: 1, max: 1 << 30 }), fc.boolean(), fc.boolean(), (n, seed, inPlace, pinned) => {
        const a0 = seededFloats(n, seed, 5), b0 = seededFloats(n, seed + 1, 5);
        for (const [f, ref] of [[wasmAdd, addReference], [wasmSub, subReference], [wasmMul, mulReference]] as const) {
          const a = place(a0, pinned);
          expectClose(f(a, place(b0, pinned), inPlace ? a : place(new Float32Array(n), pinned)), ref(a0, b0), 1e-7, 1e-6);
        }
        expectClose(wasmMulScalar(place(a0, pinned), -0.37, place(new Float32Array(n), pinned)), mulScalarReference(a0, -0.37), 1e-7, 1e-6);
        expectClose(wasmAxpy(0.125, place(a0, pinned), place(b0, pinned)), axpyReference(0.125, a0, b0.slice()), 1e-7, 1e-6);
      }),
      runs,
    );
  });
});
