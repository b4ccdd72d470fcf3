/**
 * Loading weights piece by piece: safetensors readF32 reads any run of elements (F32, F16, BF16)
 * as `get` would, and WeightMatrix.encodeRows (converting while reading, through a bounded staging
 * buffer) gives the same bytes as encoding the whole float32 matrix at once.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { WEIGHT_DTYPES } from "../src/compact/dtype.js";
import { encodeWeights } from "../src/compact/encode.js";
import { isKQuant } from "../src/compact/kquant.js";
import { WeightMatrix } from "../src/compact/matrix.js";
import { parseSafetensors, serializeSafetensors } from "../src/io/safetensors.js";
import { Tensor } from "../src/tensor.js";
import { heap } from "../src/wasm/heap.js";
import { seededFloats } from "./helpers.js";

describe("safetensors readF32", () => {
  it("reads elements [start, start + n) of F32, F16 and BF16 tensors as get() decodes them", () => {
    for (const dtype of ["F32", "F16", "BF16"] as const) {
      const values = seededFloats(3 * 1000 + 7, 21);
      const file = parseSafetensors(serializeSafetensors({ w: Tensor.from(values, [3007]) }, { dtype }), `w.${dtype}`);
      const whole = file.get("w").data;
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 3006 }), fc.integer({ min: 0, max: 3007 }), (start, len) => {
          const n = Math.min(len, 3007 - start);
          const into = new Float32Array(n);
          file.readF32("w", start, into);
          expect(Buffer.compare(new Uint8Array(into.buffer), new Uint8Array(whole.buffer, whole.byteOffset + 4 * start, 4 * n))).toBe(0);
        }),
        { numRuns: 40 },
      );
      expect(() => file.readF32("w", 3000, new Float32Array(8))).toThrow(/w\.\w+.*elements \[3000, 3008\) asked of a tensor of 3007/);
    }
  });
});

describe("WeightMatrix.encodeRows", () => {
  it("gives the bytes of fromF32 for every dtype, odd shapes and pieces that split the matrix", () => {
    // cols past the staging buffer (2^18 floats) make one row a piece; small cols make many rows a piece
    for (const [rows, cols] of [[7, 45], [2, 262_147], [900, 312], [1, 1], [1030, 512]] as const) {
      const w = seededFloats(rows * cols, rows + cols);
      for (const dtype of WEIGHT_DTYPES) {
        if (isKQuant(dtype) && cols % 256 !== 0) continue; // K-quants take rows of whole 256-weight super-blocks
        const reads: number[] = [];
        const m = WeightMatrix.encodeRows(rows, cols, dtype, "w", (start, into) => {
          reads.push(into.length);
          into.set(w.subarray(start, start + into.length));
        });
        const want = encodeWeights(w, rows, cols, dtype, "w");
        expect(Buffer.compare(m.bytes(), want), `${dtype} [${rows}, ${cols}]`).toBe(0); // (toEqual is slow on MBs)
        expect(m.bytes().length).toBe(want.length);
        expect(reads.reduce((a, b) => a + b, 0)).toBe(rows * cols);
        expect(Math.max(...reads)).toBeLessThanOrEqual(Math.max(cols, 1 << 18)); // bounded staging: a row at least
        m.dispose();
      }
    }
  });

  it("a failing read frees the matrix's heap block and names the row in f16 range errors", () => {
    const live = heap.liveBytes;
    expect(() => WeightMatrix.encodeRows(4, 8, "q8_0", "w", () => { throw new Error("disk gone"); })).toThrow(/disk gone/);
    expect(heap.liveBytes).toBe(live);
    const big = new Float32Array(5000 * 100).fill(1);
    big[4321 * 100 + 3] = 1e6;
    expect(() => WeightMatrix.encodeRows(5000, 100, "f16", "layer.w", (s, into) => into.set(big.subarray(s, s + into.length)))).toThrow(
      /layer\.w: weight \[4321, 3\] = 1000000 does not fit in f16/,
    );
    expect(heap.liveBytes).toBe(live);
  });
});
