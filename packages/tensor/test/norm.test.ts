import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { kernels as k, layerNorm, rmsNorm, Tensor, ShapeError } from "../src/index.js";
import { dim, expectClose, floats } from "./helpers.js";

const rowsCols = fc.tuple(dim(7), dim(41));
const normCase = rowsCols.chain(([rows, cols]) =>
  fc.tuple(fc.constant(rows), fc.constant(cols), floats(rows * cols, 5), floats(cols, 2), floats(cols, 2)),
);

/**
 * y ≈ want row by row, allowing for the WASM kernel's float32 row mean m (summed in float64, then
 * rounded: ≤ 2^-24·|m| off). That shifts every x − m of the row and comes out times s·w, s the row's
 * 1/√(σ² + ε) or 1/(σ + ε) — large where a row's values nearly agree; twice it per row, on top of atol.
 */
function expectRowsClose(y: Float32Array, want: Float32Array, rows: number, cols: number, m: Float32Array, s: (r: number) => number, w: Float32Array, atol: number, rtol: number): void {
  let wMax = 0;
  for (let j = 0; j < cols; j++) wMax = Math.max(wMax, Math.abs(w[j]!));
  for (let r = 0; r < rows; r++) {
    const meanShift = 2 * 2 ** -24 * Math.abs(m[r]!) * wMax * s(r);
    expectClose(y.subarray(r * cols, (r + 1) * cols), want.subarray(r * cols, (r + 1) * cols), atol + meanShift, rtol);
  }
}

describe("layerNorm", () => {
  it("equals the reference, including mean/rstd", () => {
    fc.assert(
      fc.property(normCase, ([rows, cols, x, w, b]) => {
        const mean = new Float32Array(rows);
        const rstd = new Float32Array(rows);
        const mRef = new Float32Array(rows);
        const sRef = new Float32Array(rows);
        const y = k.layerNorm(x, w, b, rows, cols, 1e-5, undefined, mean, rstd);
        const rstdOf = (r: number) => sRef[r]!;
        expectRowsClose(y, k.layerNormReference(x, w, b, rows, cols, 1e-5, undefined, mRef, sRef), rows, cols, mRef, rstdOf, w, 1e-5, 1e-5);
        expectClose(mean, mRef, 1e-6, 1e-6);
        expectClose(rstd, sRef, 1e-6, 1e-5);
        expectRowsClose(k.layerNorm(x, w, null, rows, cols, 1e-5), k.layerNormReference(x, w, null, rows, cols, 1e-5), rows, cols, mRef, rstdOf, w, 1e-5, 1e-5);
      }),
    );
  });

  it("with weight 1, bias 0 gives rows of mean 0 and variance 1", () => {
    fc.assert(
      fc.property(
        fc.tuple(dim(5), fc.integer({ min: 2, max: 41 })).chain(([r, c]) => fc.tuple(fc.constant(r), fc.constant(c), floats(r * c, 100))),
        ([rows, cols, x]) => {
          // Exactly: mean 0 and variance var/(var + eps); eps = 1e-9 makes that 1 unless a row is
          // (nearly) constant, so skip rows whose float64 variance is too small to normalise in float32.
          for (let r = 0; r < rows; r++) {
            const row = Array.from(x.subarray(r * cols, (r + 1) * cols));
            const m = row.reduce((s, v) => s + v, 0) / cols;
            if (row.reduce((s, u) => s + (u - m) ** 2, 0) / cols < 1e-3) return;
          }
          const y = k.layerNorm(x, new Float32Array(cols).fill(1), null, rows, cols, 1e-9);
          for (let r = 0; r < rows; r++) {
            const row = Array.from(y.subarray(r * cols, (r + 1) * cols));
            const m = row.reduce((s, v) => s + v, 0) / cols;
            const v = row.reduce((s, u) => s + (u - m) ** 2, 0) / cols;
            expect(Math.abs(m)).toBeLessThan(1e-5);
            expect(Math.abs(v - 1)).toBeLessThan(1e-4);
          }
        },
      ),
    );
  });

  it("backward matches the reference and finite differences (float64), accumulating", () => {
    fc.assert(
      fc.property(normCase, ([rows, cols, x, w, b]) => {
        const mean = new Float32Array(rows);
        const rstd = new Float32Array(rows);
        k.layerNorm(x, w, b, rows, cols, 1e-5, undefined, mean, rstd);
        const dy = x.map((v, i) => Math.cos(3 * i + v));
        const [dx, dw, db] = [new Float32Array(x.length).fill(1), new Float32Array(cols).fill(2), new Float32Array(cols).fill(3)];
        k.layerNormBackward(x, w, mean, rstd, dy, rows, cols, dx, dw, db);
        const [rx, rw, rb] = [new Float32Array(x.length).fill(1), new Float32Array(cols).fill(2), new Float32Array(cols).fill(3)];
        k.layerNormBackwardReference(x, w, mean, rstd, dy, rows, cols, rx, rw, rb);
        expectClose(dx, rx, 1e-4, 1e-4);
        expectClose(dw, rw, 1e-4, 1e-4);
        expectClose(db, rb, 1e-4, 1e-4);
        // Finite differences of L = Σ dy·layerNorm(x) in float64, for a few x entries.
        const loss = (xx: Float64Array) => {
          let L = 0;
          for (let r = 0; r < rows; r++) {
            let m = 0;
            for (let j = 0; j < cols; j++) m += xx[r * cols + j]! / cols;
            let v = 0;
            for (let j = 0; j < cols; j++) v += (xx[r * cols + j]! - m) ** 2 / cols;
            for (let j = 0; j < cols; j++) L += dy[r * cols + j]! * ((xx[r * cols + j]! - m) / Math.sqrt(v + 1e-5) * w[j]! + b[j]!);
          }
          return L;
        };
        const x64 = Float64Array.from(x);
        for (const i of [0, x.length - 1, Math.floor(x.length / 2)]) {
          const h = 1e-6;
          const xp = Float64Array.from(x64);
          const xm = Float64Array.from(x64);
          xp[i] += h;
          xm[i] -= h;
          const num = (loss(xp) - loss(xm)) / (2 * h);
          expect(Math.abs(dx[i]! - 1 - num)).toBeLessThan(2e-3 + 2e-3 * Math.abs(num));
        }
      }),
      { numRuns: 60 },
    );
  });
});

describe("layerNormStdEps (RustGPT: ε added to σ)", () => {
  it("equals the reference, including mean/std, and the hand example", () => {
    fc.assert(
      fc.property(normCase, ([rows, cols, x, w, b]) => {
        const [mean, std, mRef, sRef] = [0, 0, 0, 0].map(() => new Float32Array(rows)) as [Float32Array, Float32Array, Float32Array, Float32Array];
        const y = k.layerNormStdEps(x, w, b, rows, cols, 1e-5, undefined, mean, std);
        const sOf = (r: number) => 1 / (sRef[r]! + 1e-5);
        expectRowsClose(y, k.layerNormStdEpsReference(x, w, b, rows, cols, 1e-5, undefined, mRef, sRef), rows, cols, mRef, sOf, w, 1e-5, 1e-5);
        expectClose(mean, mRef, 1e-6, 1e-6);
        expectClose(std, sRef, 1e-6, 1e-5);
        expectRowsClose(k.layerNormStdEps(x, w, null, rows, cols, 1e-5), k.layerNormStdEpsReference(x, w, null, rows, cols, 1e-5), rows, cols, mRef, sOf, w, 1e-5, 1e-5);
      }),
    );
    // [1, 2, 3, 4]: mean 2.5, σ = √1.25; ε = 1 divides by σ + 1 (layerNorm would divide by √2.25 = 1.5).
    const d = Math.sqrt(1.25) + 1;
    const y = k.layerNormStdEps(Float32Array.of(1, 2, 3, 4), Float32Array.of(1, 2, 1, 1), Float32Array.of(0, 0, 1, 0), 1, 4, 1);
    expectClose(y, [-1.5 / d, (-0.5 / d) * 2, 0.5 / d + 1, 1.5 / d], 1e-6, 1e-6);
  });

  it("differs from layerNorm by about ε/(2σ²) relative", () => {
    const x = Float32Array.of(1, 2, 3, 4);
    const w = Float32Array.of(1, 1, 1, 1);
    const a = k.layerNorm(x, w, null, 1, 4, 1e-3)[0]!;
    const b = k.layerNormStdEps(x, w, null, 1, 4, 1e-3)[0]!;
    // σ = √1.25: √(σ² + ε) ≈ σ + ε/(2σ), so a/b ≈ (σ + ε)/(σ + ε/(2σ))
    const sigma = Math.sqrt(1.25);
    expect(Math.abs(a / b - (sigma + 1e-3) / Math.sqrt(1.25 + 1e-3))).toBeLessThan(1e-6);
  });

  it("backward matches the reference and finite differences (float64), accumulating", () => {
    fc.assert(
      fc.property(normCase, ([rows, cols, x, w, b]) => {
        const eps = 1e-5;
        const mean = new Float32Array(rows);
        const std = new Float32Array(rows);
        k.layerNormStdEps(x, w, b, rows, cols, eps, undefined, mean, std);
        const dy = x.map((v, i) => Math.cos(3 * i + v));
        const [dx, dw, db] = [new Float32Array(x.length).fill(1), new Float32Array(cols).fill(2), new Float32Array(cols).fill(3)];
        k.layerNormStdEpsBackward(x, w, mean, std, dy, rows, cols, eps, dx, dw, db);
        const [rx, rw, rb] = [new Float32Array(x.length).fill(1), new Float32Array(cols).fill(2), new Float32Array(cols).fill(3)];
        k.layerNormStdEpsBackwardReference(x, w, mean, std, dy, rows, cols, eps, rx, rw, rb);
        // dx = dx0 + s·(dn − mean(dn) − n̂·mean(dn·n̂)), s = 1/(σ + ε), n̂ = (x − m)·s: the kernel's float32
        // means are off by ≤ 2^-24·Σ|terms| (any summation order), which s multiplies — 1e5 on a constant
        // row (σ = 0; an x of zeros is one: 7×35 zeros, w two values ≈ 2, gave 1.0e-4 off on dx = 0.035).
        // Per row, 4× that bound (the final subtraction and products round too) on top of 1e-4.
        for (let r = 0; r < rows; r++) {
          const s = 1 / (std[r]! + eps);
          let sumDn = 0, sumDnN = 0, maxN = 0;
          for (let j = r * cols; j < (r + 1) * cols; j++) {
            const dn = Math.abs(dy[j]! * w[j - r * cols]!), nHat = Math.abs((x[j]! - mean[r]!) * s);
            sumDn += dn;
            sumDnN += dn * nHat;
            maxN = Math.max(maxN, nHat);
          }
          const roundings = 4 * 2 ** -24 * s * (sumDn + maxN * sumDnN);
          expectClose(dx.subarray(r * cols, (r + 1) * cols), rx.subarray(r * cols, (r + 1) * cols), 1e-4 + roundings, 1e-4);
        }
        expectClose(dw, rw, 1e-4, 1e-4);
        expectClose(db, rb, 1e-4, 1e-4);
        // Finite differences of L = Σ dy·layerNormStdEps(x) in float64, at entries of rows whose σ is
        // well above the step (σ = 0 is a kink of σ = √var).
        const loss = (xx: Float64Array) => {
          let L = 0;
          for (let r = 0; r < rows; r++) {
            let m = 0;
            for (let j = 0; j < cols; j++) m += xx[r * cols + j]! / cols;
            let v = 0;
            for (let j = 0; j < cols; j++) v += (xx[r * cols + j]! - m) ** 2 / cols;
            for (let j = 0; j < cols; j++) L += dy[r * cols + j]! * (((xx[r * cols + j]! - m) / (Math.sqrt(v) + eps)) * w[j]! + b[j]!);
          }
          return L;
        };
        const x64 = Float64Array.from(x);
        for (const i of [0, x.length - 1, Math.floor(x.length / 2)]) {
          if (std[Math.floor(i / cols)]! < 1e-2) continue;
          const h = 1e-6;
          const xp = Float64Array.from(x64);
          const xm = Float64Array.from(x64);
          xp[i] += h;
          xm[i] -= h;
          const num = (loss(xp) - loss(xm)) / (2 * h);
          expect(Math.abs(dx[i]! - 1 - num)).toBeLessThan(2e-3 + 2e-3 * Math.abs(num));
        }
      }),
      { numRuns: 60 },
    );
  });

  // At σ = 0 the σ term is of second order (f(x + t·u) = t·u_c/(t·|u_c|/√n + ε) for the centred u_c),
  // so the derivative is the first term alone: dx = (dn̂ − mean(dn̂))/ε, finite.
  it("a constant row gets dx = (dn̂ − mean(dn̂))/ε (finite, not NaN)", () => {
    const x = new Float32Array(8).fill(3);
    const w = new Float32Array(8).fill(1);
    const mean = new Float32Array(1);
    const std = new Float32Array(1);
    expectClose(k.layerNormStdEps(x, w, null, 1, 8, 1e-5, undefined, mean, std), new Float32Array(8), 0, 0);
    const dx = new Float32Array(8);
    k.layerNormStdEpsBackward(x, w, mean, std, Float32Array.from({ length: 8 }, (_, i) => i), 1, 8, 1e-5, dx, new Float32Array(8), null);
    expectClose(dx, Array.from({ length: 8 }, (_, i) => (i - 3.5) / 1e-5), 0, 1e-6);
  });
});

describe("rmsNorm", () => {
  it("equals the reference and a float64 computation", () => {
    fc.assert(
      fc.property(normCase, ([rows, cols, x, w]) => {
        const rrms = new Float32Array(rows);
        const y = k.rmsNorm(x, w, rows, cols, 1e-6, undefined, rrms);
        expectClose(y, k.rmsNormReference(x, w, rows, cols, 1e-6), 1e-6, 1e-6);
        for (let r = 0; r < rows; r++) {
          let ms = 0;
          for (let j = 0; j < cols; j++) ms += x[r * cols + j]! ** 2;
          const s = 1 / Math.sqrt(ms / cols + 1e-6);
          expect(Math.abs(rrms[r]! - s)).toBeLessThanOrEqual(1e-6 * s);
          for (let j = 0; j < cols; j++) {
            const want = x[r * cols + j]! * s * w[j]!;
            expect(Math.abs(y[r * cols + j]! - want)).toBeLessThanOrEqual(1e-6 * Math.abs(want) + 1e-30);
          }
        }
      }),
    );
  });

  it("works in place", () => {
    fc.assert(
      fc.property(normCase, ([rows, cols, x, w]) => {
        const expected = k.rmsNormReference(x, w, rows, cols, 1e-6);
        k.rmsNorm(x, w, rows, cols, 1e-6, x);
        expectClose(x, expected, 1e-6, 1e-6);
      }),
    );
  });

  it("backward matches the reference and finite differences (float64), accumulating", () => {
    fc.assert(
      fc.property(normCase, ([rows, cols, x, w]) => {
        const rrms = new Float32Array(rows);
        k.rmsNorm(x, w, rows, cols, 1e-5, undefined, rrms);
        const dy = x.map((v, i) => Math.sin(2 * i - v));
        const [dx, dw] = [new Float32Array(x.length).fill(-1), new Float32Array(cols).fill(0.5)];
        k.rmsNormBackward(x, w, rrms, dy, rows, cols, dx, dw);
        const [rx, rw] = [new Float32Array(x.length).fill(-1), new Float32Array(cols).fill(0.5)];
        k.rmsNormBackwardReference(x, w, rrms, dy, rows, cols, rx, rw);
        expectClose(dx, rx, 1e-4, 1e-4);
        expectClose(dw, rw, 1e-4, 1e-4);
        const loss = (xx: Float64Array, ww: Float64Array) => {
          let L = 0;
          for (let r = 0; r < rows; r++) {
            let ms = 0;
            for (let j = 0; j < cols; j++) ms += xx[r * cols + j]! ** 2 / cols;
            for (let j = 0; j < cols; j++) L += (dy[r * cols + j]! * xx[r * cols + j]! * ww[j]!) / Math.sqrt(ms + 1e-5);
          }
          return L;
        };
        const x64 = Float64Array.from(x);
        const w64 = Float64Array.from(w);
        const h = 1e-6;
        for (const i of [0, x.length - 1]) {
          const xp = Float64Array.from(x64);
          const xm = Float64Array.from(x64);
          xp[i] += h;
          xm[i] -= h;
          const num = (loss(xp, w64) - loss(xm, w64)) / (2 * h);
          expect(Math.abs(dx[i]! + 1 - num)).toBeLessThan(5e-3 + 2e-3 * Math.abs(num));
        }
        const wp = Float64Array.from(w64);
        const wm = Float64Array.from(w64);
        wp[0] += h;
        wm[0] -= h;
        const numW = (loss(x64, wp) - loss(x64, wm)) / (2 * h);
        expect(Math.abs(dw[0]! - 0.5 - numW)).toBeLessThan(2e-3 + 2e-3 * Math.abs(numW));
      }),
      { numRuns: 60 },
    );
  });
});

describe("Tensor-level norms", () => {
  it("normalize over the last axis and check weight shapes", () => {
    const x = Tensor.from(Float32Array.from({ length: 24 }, (_, i) => Math.sin(i)), [2, 3, 4]);
    const w = Tensor.from([1, 2, 3, 4]);
    expectClose(rmsNorm(x, w, 1e-6).data, k.rmsNormReference(x.data, w.data, 6, 4, 1e-6), 0, 0);
    expectClose(layerNorm(x, w, null, 1e-5).data, k.layerNormReference(x.data, w.data, null, 6, 4, 1e-5), 0, 0);
    const outside = layerNorm(x, w, null, 1e-5, { epsPlacement: "outside" }).data;
    expectClose(outside, k.layerNormStdEpsReference(x.data, w.data, null, 6, 4, 1e-5), 1e-6, 1e-6);
    expect(() => rmsNorm(x, Tensor.zeros([3]))).toThrow(ShapeError);
    expect(() => rmsNorm(x, Tensor.zeros([3]))).toThrow(/rmsNorm: weight must be \[4\] for input \[2, 3, 4\], got \[3\]/);
  });
});
