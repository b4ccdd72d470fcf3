import { describe, expect, it } from "vitest";
import { dequantize, f32ToF16, ggufHeldDtype, ggufWeightMatrix, gguf, parseGguf, quantize, serializeGguf, type GgmlType } from "../src/index.js";
import { seededFloats } from "./helpers.js";

const ROWS = 8;
const COLS = 256;

/** x·Wᵀ in float64 from the decoded weights. */
function reference(x: Float32Array, w: Float32Array, M: number): Float64Array {
  const out = new Float64Array(M * ROWS);
  for (let m = 0; m < M; m++) for (let r = 0; r < ROWS; r++) {
    let s = 0;
    for (let k = 0; k < COLS; k++) s += x[m * COLS + k]! * w[r * COLS + k]!;
    out[m * ROWS + r] = s;
  }
  return out;
}

describe("GGUF tensors as compact WeightMatrix", () => {
  const types: [GgmlType, boolean, number][] = [
    // type, kept as stored, matmul tolerance relative to max |y| (q8/q4 kernels quantize x to int8)
    ["F32", true, 1e-5], ["F16", true, 1e-5], ["BF16", true, 1e-5], ["Q8_0", true, 0.02], ["Q4_0", true, 0.02], ["Q4_K", true, 0.03], ["Q5_K", true, 0.03], ["Q6_K", true, 0.03],
    // decoded at load: q8_0 (Q5_0, IQ4_NL: exact), f16 (the rest: f32 activations; the weights' f16 rounding)
    ["Q5_0", false, 0.02], ["IQ4_NL", false, 0.02], ["Q4_1", false, 5e-3], ["Q5_1", false, 5e-3], ["Q3_K", false, 5e-3], ["Q2_K", false, 5e-3], ["IQ4_XS", false, 5e-3],
  ];
  for (const [type, asStored, tol] of types) {
    it(`${type}: ${asStored ? "the stored blocks are the matrix's bytes" : `decoded into ${ggufHeldDtype(type)}`}; rows and x·Wᵀ match the reference decoder`, () => {
      const w = quantize(type, seededFloats(ROWS * COLS, 3, 1));
      const f = parseGguf(serializeGguf(new Map([["general.architecture", gguf.string("llama")]]), [{ name: "w", type, shape: [ROWS, COLS], data: w }]), "w.gguf");
      const m = ggufWeightMatrix(f, "w");
      try {
        const decoded = dequantize(type, w, ROWS * COLS);
        if (asStored) {
          expect(m.bytes()).toEqual(w);
          for (let r = 0; r < ROWS; r++) expect(m.row(r)).toEqual(decoded.subarray(r * COLS, (r + 1) * COLS));
        } else if (m.dtype === "q8_0") {
          for (let r = 0; r < ROWS; r++) expect(m.row(r)).toEqual(decoded.subarray(r * COLS, (r + 1) * COLS)); // lossless
        } else {
          expect(m.dtype).toBe("f16");
          for (let r = 0; r < ROWS; r++) {
            const row = m.row(r);
            for (let k = 0; k < COLS; k++) expect(Math.abs(row[k]! - decoded[r * COLS + k]!)).toBeLessThanOrEqual(Math.abs(decoded[r * COLS + k]!) * 2 ** -11 + 2 ** -25);
          }
        }
        const x = seededFloats(3 * COLS, 9, 1);
        const y = m.matmulTransB(x, 3);
        const ref = reference(x, decoded, 3);
        const scale = Math.max(...ref.map(Math.abs));
        for (let i = 0; i < y.length; i++) expect(Math.abs(y[i]! - ref[i]!)).toBeLessThan(tol * scale);
      } finally {
        m.dispose();
      }
    });
  }

  it("a decoded value beyond f16's range is refused naming the file, tensor and type", () => {
    const q = quantize("Q5_1", seededFloats(ROWS * COLS, 4, 1));
    const h = f32ToF16(30000); // block 3's scale d: 31 · 30000 is past 65504
    q.set([h & 0xff, h >>> 8], 3 * 24);
    const f = parseGguf(serializeGguf(new Map(), [{ name: "w", type: "Q5_1", shape: [ROWS, COLS], data: q }]), "big.gguf");
    expect(() => ggufWeightMatrix(f, "w")).toThrow(/^big\.gguf: tensor "w": decoded from Q5_1 into f16, the dtype mini holds Q5_1 in: w: weight \[0, 9\d\] = \S+ does not fit in f16 \(\|w\| ≤ 65504, finite\); use bf16 or f32$/);
  });

  it("a tensor that is not a matrix is refused naming it", () => {
    const f = parseGguf(serializeGguf(new Map(), [{ name: "norm", type: "F32", shape: [COLS], data: quantize("F32", new Float32Array(COLS)) }]), "n.gguf");
    expect(() => ggufWeightMatrix(f, "norm")).toThrow(/^n\.gguf: tensor "norm": a weight matrix needs 2 dimensions \(or one matrix of 3\), got shape \[256\]$/);
  });

  it("one matrix of a stacked 3-D tensor (Mixtral's experts): its byte range, as stored", () => {
    for (const type of ["Q8_0", "Q5_K", "Q6_K"] as const) {
      const stacked = quantize(type, seededFloats(3 * ROWS * COLS, 5, 1));
      const f = parseGguf(serializeGguf(new Map(), [{ name: "exps", type, shape: [3, ROWS, COLS], data: stacked }]), "e.gguf");
      const per = stacked.length / 3;
      const m = ggufWeightMatrix(f, "exps", f.bytes("exps", 2 * per, per));
      try {
        expect([m.rows, m.cols]).toEqual([ROWS, COLS]);
        const decoded = dequantize(type, stacked.subarray(2 * per), ROWS * COLS);
        expect(m.bytes()).toEqual(stacked.subarray(2 * per));
        expect(m.row(ROWS - 1)).toEqual(decoded.subarray((ROWS - 1) * COLS, ROWS * COLS));
      } finally {
        m.dispose();
      }
      expect(() => f.bytes("exps", per, 3 * per)).toThrow(/^e\.gguf: tensor "exps": bytes \[\d+, \d+\) asked of a tensor of \d+ bytes$/);
    }
  });

  it("one matrix of a stacked 3-D tensor of a type decoded at load: that expert's values", () => {
    for (const type of ["Q5_0", "Q3_K"] as const) {
      const stacked = quantize(type, seededFloats(3 * ROWS * COLS, 6, 1));
      const f = parseGguf(serializeGguf(new Map(), [{ name: "exps", type, shape: [3, ROWS, COLS], data: stacked }]), "e.gguf");
      const per = stacked.length / 3;
      const m = ggufWeightMatrix(f, "exps", f.bytes("exps", per, per));
      try {
        const decoded = dequantize(type, stacked.subarray(per), ROWS * COLS);
        for (let r = 0; r < ROWS; r++) {
          const row = m.row(r);
          for (let k = 0; k < COLS; k++) expect(Math.abs(row[k]! - decoded[r * COLS + k]!)).toBeLessThanOrEqual(Math.abs(decoded[r * COLS + k]!) * 2 ** -11 + 2 ** -25);
        }
      } finally {
        m.dispose();
      }
    }
  });
});
