import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { rowBytes } from "../src/compact/dtype.js";
import { encodeRowsReference, encodeWeightsInto } from "../src/compact/encode.js";
import { encodeWithWasm } from "../src/compact/encode-wasm.js";
import { heap } from "../src/wasm/heap.js";
import { wasmAvailable } from "../src/wasm/instance.js";
import { getThreads, setThreads } from "../src/wasm/pool.js";
import { memoryBuffer } from "../src/wasm/scratch.js";

/**
 * encodeWeightsInto's float32 fast paths (encode-f32.ts: bf16, f16, q8_0 in JS; encode-wasm.ts:
 * encode.wat's kernels, q4_0's scale search too, taken when the bytes go into the WASM heap) against its per-value
 * reference loop, byte for byte, on values drawn to hit the edges: ties of every rounding, ±0,
 * float32 and half subnormals, values near f16's limit, huge values, inf and NaN, all-zero blocks,
 * blocks whose largest value is negative (q8_0's −127), rows whose last block is padded.
 */

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
function fromBits(b: number): number {
  u32[0] = b >>> 0;
  return f32[0]!;
}
function bitsOf(x: number): number {
  f32[0] = x;
  return u32[0]!;
}

const edge = fc.constantFrom(0, -0, 0.5, -0.5, 1.5, 2.5, 65504, -65504, 65519.99, 65520, 2 ** -24, 2 ** -25, 3 * 2 ** -26, 2 ** -14, 2 ** -149, 1e30, -1e30, Infinity, -Infinity, NaN, 127, -127, 63.5);
/**
 * Values as float32 bit patterns (a NaN's payload survives only as bits: a JS number NaN may be
 * canonicalised): any pattern, tie-shaped patterns for the half/bf16 roundings, patterns around the
 * half subnormals, edges and plain weights.
 */
const valueBits = fc.oneof(
  fc.integer({ min: 0, max: 0xffffffff }),
  fc.tuple(fc.integer({ min: 0, max: 0x7ffff }), fc.constantFrom(0x1000, 0x8000, 0x0fff, 0x1001, 0)).map(([hi, lo]) => ((hi << 13) | lo) >>> 0),
  fc.tuple(fc.integer({ min: 0x33000000, max: 0x38800000 }), fc.boolean()).map(([b, neg]) => ((b & ~0xfff) | (neg ? 0x80000000 : 0)) >>> 0),
  edge.map(bitsOf),
  fc.double({ min: -2, max: 2, noNaN: true }).map(bitsOf),
);
/** Finite values that fit f16 (the fast path must agree there too, not only on refusals). */
const f16Bits = valueBits.filter((b) => Math.abs(fromBits(b)) <= 65504);
/** Blocks whose largest value lands on ±127 with the others on exact halves (q8_0's ties, both signs). */
const tieBlockBits = fc.array(fc.integer({ min: -254, max: 254 }), { minLength: 31, maxLength: 31 }).chain((halves) =>
  fc.oneof(
    fc.constantFrom(127, -127, 63.5).map((top) => [top, ...halves.map((h) => h / 2)].map(bitsOf)),
    // any scale: x/d lands within an ulp or so of the half, on the side float64's d and id decide
    fc.double({ min: 1e-3, max: 1e3, noNaN: true }).map((top) => [top, ...halves.map((h) => ((h / 2) * top) / 127)].map(bitsOf)),
  ),
);

const shape = fc.record({ rows: fc.integer({ min: 1, max: 4 }), K: fc.oneof(fc.integer({ min: 1, max: 100 }), fc.constantFrom(32, 64, 96)) });

function matrix(bits: number[], n: number, zeroBlock: boolean): Float32Array {
  const w = new Float32Array(n);
  const u = new Uint32Array(w.buffer);
  for (let i = 0; i < n; i++) u[i] = bits[i % bits.length]!;
  if (zeroBlock) w.fill(0, 0, Math.min(32, n));
  return w;
}

/** encode.wat's output (or error message) written into the heap, copied out; asserts the kernel path was taken. */
function viaWasm(w: Float32Array, rows: number, K: number, dtype: "bf16" | "f16" | "q8_0" | "q4_0", firstRow: number): string | Uint8Array {
  const bytes = rows * rowBytes(dtype, K);
  const ptr = heap.alloc(Math.ceil(bytes / 4) + 1, { what: "encode test output" });
  try {
    const out = new Uint8Array(memoryBuffer(), ptr, bytes).fill(0xa5);
    try {
      expect(encodeWithWasm(w, rows, K, dtype, "t", out, firstRow)).toBe(true);
    } catch (e) {
      return (e as Error).message;
    }
    return new Uint8Array(memoryBuffer(), ptr, bytes).slice();
  } finally {
    heap.release(ptr);
  }
}

/** fast path and reference outputs (or their error messages) for one dtype. */
function both(w: Float32Array, rows: number, K: number, dtype: "bf16" | "f16" | "q8_0" | "q4_0", firstRow: number): [string | Uint8Array, string | Uint8Array] {
  const run = (f: (out: Uint8Array) => void): string | Uint8Array => {
    const out = new Uint8Array(rows * rowBytes(dtype, K)).fill(0xa5);
    try {
      f(out);
      return out;
    } catch (e) {
      return (e as Error).message;
    }
  };
  return [run((out) => encodeWeightsInto(w, rows, K, dtype, "t", out, firstRow)), run((out) => encodeRowsReference(w, rows, K, dtype, "t", out, firstRow))];
}

describe("encodeWeightsInto float32 fast paths = the reference loop", () => {
  for (const dtype of ["bf16", "f16", "q8_0", "q4_0"] as const) {
    it(`${dtype}: same bytes (or the same refusal) on edge values and odd row lengths`, () => {
      fc.assert(
        fc.property(shape, fc.oneof(fc.array(dtype === "f16" ? fc.oneof(f16Bits, valueBits) : valueBits, { minLength: 1, maxLength: 80 }), tieBlockBits), fc.boolean(), fc.nat(5), ({ rows, K }, vals, zeroBlock, firstRow) => {
          const w = matrix(vals, rows * K, zeroBlock);
          const [fast, ref] = both(w, rows, K, dtype, firstRow);
          expect(fast).toEqual(ref);
          if (wasmAvailable) expect(viaWasm(w, rows, K, dtype, firstRow)).toEqual(ref);
        }),
        { numRuns: 400 },
      );
    });
  }

  it("f16: values that fit all encode (no refusal) and equal the reference, subnormal halves included", () => {
    fc.assert(
      fc.property(shape, fc.array(f16Bits, { minLength: 1, maxLength: 80 }), ({ rows, K }, vals) => {
        const w = matrix(vals, rows * K, false);
        const [fast, ref] = both(w, rows, K, "f16", 0);
        expect(typeof fast).not.toBe("string");
        expect(fast).toEqual(ref);
        if (wasmAvailable) expect(viaWasm(w, rows, K, "f16", 0)).toEqual(ref);
      }),
      { numRuns: 300 },
    );
  });

  it("q8_0: a padded last block is zero past K, and a block of zeros encodes to zeros", () => {
    const K = 40;
    const w = Float32Array.from({ length: 2 * K }, (_, i) => (i < K ? 0 : (i % 7) - 3.5));
    const [fast, ref] = both(w, 2, K, "q8_0", 0);
    expect(fast).toEqual(ref);
    if (wasmAvailable) expect(viaWasm(w, 2, K, "q8_0", 0)).toEqual(ref);
    const out = fast as Uint8Array;
    expect(Array.from(out.subarray(0, 68))).toEqual(new Array(68).fill(0));
    expect(Array.from(out.subarray(68 + 34 + 2 + 8, 68 + 68))).toEqual(new Array(24).fill(0));
  });
});

describe("encode.wat in pieces", () => {
  it("a matrix larger than one scratch piece (1 MiB of floats) encodes as the reference, a NaN row in a later piece left to the JS", () => {
    if (!wasmAvailable) return;
    const rows = 700, K = 1000; // 262 rows a piece: three pieces
    const w = Float32Array.from({ length: rows * K }, (_, i) => Math.sin(i * 0.37) * (1 + (i % 97)));
    w[600 * K + 5] = NaN;
    w[601 * K + 7] = -Infinity;
    for (const dtype of ["bf16", "q8_0", "q4_0"] as const) {
      const ref = new Uint8Array(rows * rowBytes(dtype, K));
      encodeRowsReference(w, rows, K, dtype, "t", ref);
      expect(viaWasm(w, rows, K, dtype, 0)).toEqual(ref);
    }
    expect(viaWasm(w, rows, K, "f16", 3)).toBe("t: weight [603, 5] = NaN does not fit in f16 (|w| ≤ 65504, finite); use bf16 or f32");
  });
});

describe("encode.wat Q4_0 on the kernel pool", () => {
  it("a piece's rows split across 1–4 threads give the reference's bytes, rows holding inf/NaN at a job's start, middle and end too", () => {
    if (!wasmAvailable) return;
    const rows = 611, K = 500; // 305,500 weights: 4 jobs at 4 threads (at least 65,536 weights each)
    const w = Float32Array.from({ length: rows * K }, (_, i) => Math.sin(i * 0.37) * (1 + (i % 89)) * 0.01);
    for (const [r, v] of [[0, NaN], [152, Infinity], [153, -Infinity], [305, NaN], [306, NaN], [458, -Infinity], [610, NaN]] as const) w[r * K + (r % K)] = v;
    const ref = new Uint8Array(rows * rowBytes("q4_0", K));
    encodeRowsReference(w, rows, K, "q4_0", "t", ref);
    const initial = getThreads();
    try {
      for (const t of [1, 2, 3, 4]) {
        setThreads(t);
        expect(viaWasm(w, rows, K, "q4_0", 0), `threads ${t}`).toEqual(ref);
      }
    } finally {
      setThreads(initial);
    }
  });
});

describe("encode.wat Q4_0 on weight-like blocks", () => {
  it("Gaussian-like rows (the scale search picks many different candidates) and odd row lengths give quantizeQ4_0's bytes", () => {
    if (!wasmAvailable) return;
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 200 }), fc.integer({ min: 1, max: 2 ** 31 - 1 }), (rows, K, seed) => {
        let s = seed;
        const w = Float32Array.from({ length: rows * K }, () => {
          s = (Math.imul(s, 1103515245) + 12345) >>> 0;
          const u = s / 2 ** 32;
          return (u - 0.5) * (u - 0.5) * (u < 0.5 ? -1 : 1) * 0.3 + (u - 0.5) * 0.01;
        });
        const ref = new Uint8Array(rows * rowBytes("q4_0", K));
        encodeRowsReference(w, rows, K, "q4_0", "t", ref);
        expect(viaWasm(w, rows, K, "q4_0", 0)).toEqual(ref);
      }),
      { numRuns: 200 },
    );
  });
});
