import { setFlagsFromString } from "node:v8";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { ACT_Q16, Q4_0, Q8_0, blocksPerRow, dequantizeRowQ4_0, dequantizeRowQ8_0, quantizeActRow, quantizeRowQ4_0, quantizeRowQ8_0 } from "../src/compact/blocks.js";
import { WEIGHT_DTYPES, parseWeightDtype, type WeightDtype } from "../src/compact/dtype.js";
import { decodeRow, encodeWeights } from "../src/compact/encode.js";
import { isKQuant, type KQuantDtype } from "../src/compact/kquant.js";
import { WeightMatrix } from "../src/compact/matrix.js";
import { compactMatmulReference, quantizedMatmulF32 } from "../src/compact/matmul.reference.js";
import { f16ToF32 } from "../src/io/half.js";
import { Tensor } from "../src/tensor.js";
import { heap } from "../src/wasm/heap.js";
import { compileKernels, instantiateKernels, type CompactExports } from "../src/wasm/instance.js";
import { relaxedWasmModules } from "../src/wasm/kernels.wasm.js";
import { relaxedKernelsWork } from "../src/wasm/relaxed-probe.js";
import { getThreads, poolRounds, setThreads } from "../src/wasm/pool.js";
import { seededFloats } from "./helpers.js";

const initial = getThreads();
afterAll(() => setThreads(initial));

// the dtypes that take any row length (q4_k / q6_k need whole 256-weight super-blocks: kquant.test.ts)
const ANY_K_DTYPES = WEIGHT_DTYPES.filter((d) => !isKQuant(d));
const compactDtypes = ANY_K_DTYPES.filter((d) => d !== "f32") as Exclude<WeightDtype, "f32" | KQuantDtype>[];
const bits = (a: Float32Array): Uint32Array => new Uint32Array(a.buffer, a.byteOffset, a.length);

/** |got − want| within float32 rounding of the sums (mag = Σ|terms|). */
function expectNearReference(got: Float32Array, want: Float64Array, mag: Float64Array, K: number, what: string): void {
  for (let i = 0; i < want.length; i++) {
    const tol = 4e-7 * (K + 8) * mag[i]! + 1e-30;
    if (!(Math.abs(got[i]! - want[i]!) <= tol)) expect.fail(`${what}: [${i}] got ${got[i]}, want ${want[i]} (tol ${tol})`);
  }
}

describe("block formats (llama.cpp's Q8_0 / Q4_0)", () => {
  it("Q8_0 of a hand-made block: d = amax/127 as f16, q = round(x/d)", () => {
    const x = Array.from({ length: 32 }, (_, j) => (j - 16) / 4); // amax 4 at j = 0
    const out = new Uint8Array(Q8_0.blockBytes);
    quantizeRowQ8_0(x, 32, out);
    const d = f16ToF32(out[0]! | (out[1]! << 8));
    expect(d).toBeCloseTo(4 / 127, 4);
    expect((out[2]! << 24) >> 24).toBe(-127);
    expect((out[2 + 18]! << 24) >> 24).toBe(Math.round(0.5 / (4 / 127))); // x = 0.5
  });

  it("Q4_0 of a hand-made block: d = (signed max)/−8, nibbles j | j+16 << 4", () => {
    const x = Array.from({ length: 32 }, (_, j) => (j === 5 ? -8 : j === 20 ? 7 : 0));
    const out = new Uint8Array(Q4_0.blockBytes);
    quantizeRowQ4_0(x, 32, out);
    expect(f16ToF32(out[0]! | (out[1]! << 8))).toBe(1); // max = −8 → d = 1
    expect(out[2 + 5]! & 15).toBe(0); // −8/1 + 8 = 0
    expect(out[2 + 4]! >> 4).toBe(15); // element 20 = 7 → 15
    const back = new Float32Array(32);
    dequantizeRowQ4_0(out, 0, 32, back);
    expect(Array.from(back)).toEqual(x);
  });

  it("round trips within half a step; rows not a multiple of 32 get a zero-padded last block", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100 }), fc.integer({ min: 1, max: 1 << 30 }), (K, seed) => {
        const x = seededFloats(K, seed, 3);
        const q8 = new Uint8Array(blocksPerRow(K) * Q8_0.blockBytes), q4 = new Uint8Array(blocksPerRow(K) * Q4_0.blockBytes);
        quantizeRowQ8_0(x, K, q8);
        quantizeRowQ4_0(x, K, q4);
        const y8 = new Float32Array(K), y4 = new Float32Array(K);
        dequantizeRowQ8_0(q8, 0, K, y8);
        dequantizeRowQ4_0(q4, 0, K, y4);
        for (let k = 0; k < K; k++) {
          const b = Math.floor(k / 32);
          const d8 = f16ToF32(q8[b * 34]! | (q8[b * 34 + 1]! << 8)), d4 = Math.abs(f16ToF32(q4[b * 18]! | (q4[b * 18 + 1]! << 8)));
          expect(Math.abs(y8[k]! - x[k]!)).toBeLessThanOrEqual(d8 * 0.5 + 1e-3 * Math.abs(x[k]!));
          expect(Math.abs(y4[k]! - x[k]!)).toBeLessThanOrEqual(d4 * 1.0 + 1e-3 * Math.abs(x[k]!));
        }
      }),
      { numRuns: 40, seed: 11 },
    );
  });

  it("activation blocks: q = round-half-even(x/d), Σq kept", () => {
    const act = quantizeActRow([127, -63.5, 0.5, 1.5, ...new Array(30).fill(0)], 34);
    expect(act.d[0]).toBe(1);
    expect(Array.from(act.q.slice(0, 4))).toEqual([127, -64, 0, 2]);
    expect(act.sum[0]).toBe(127 - 64 + 2);
    expect(act.d[1]).toBe(0); // the padded second block
  });

  it("parseWeightDtype names the option and the choices", () => {
    expect(parseWeightDtype("Q8_0")).toBe("q8_0");
    expect(() => parseWeightDtype("int3", "--dtype")).toThrow('--dtype: expected one of f32, bf16, f16, q8_0, q4_0, q4_k, q5_k, q6_k, got "int3"');
  });

  it("f16 refuses a weight it cannot hold, naming the tensor", () => {
    expect(() => encodeWeights([1, 70000], 1, 2, "f16", "layers.0.mlp.up_proj.weight")).toThrow(/layers\.0\.mlp\.up_proj\.weight: weight \[0, 1\] = 70000 does not fit in f16/);
  });
});

/** Runs one compact.wat product on an explicit instance (SIMD128 or relaxed), one thread. */
function runKernel(k: CompactExports, dtype: Exclude<WeightDtype, "f32" | KQuantDtype>, x: Float32Array, M: number, K: number, w: Uint8Array, N: number): Float32Array {
  const nb = blocksPerRow(K);
  const px = heap.alloc(M * K), pw = heap.alloc(Math.ceil(w.length / 4)), po = heap.alloc(M * N);
  const pq = heap.alloc((M * nb * ACT_Q16.blockBytes) / 4 + M * nb), pd = pq + M * nb * ACT_Q16.blockBytes;
  heap.view(px, M * K).set(x);
  new Uint8Array(heap.memory.buffer, pw, w.length).set(w);
  if (dtype === "bf16") k.dotBf16(px, M, K, pw, N, po, N);
  else if (dtype === "f16") k.dotF16(px, M, K, pw, N, po, N);
  else {
    k.quantizeActs16(px, M, K, pq, pd);
    (dtype === "q8_0" ? k.dotQ8_0 : k.dotQ4_0)(pq, pd, M, nb, pw, N, po, N);
  }
  const out = heap.view(po, M * N).slice();
  for (const p of [px, pw, po, pq]) heap.release(p);
  return out;
}

const shapes = fc.record({
  dtype: fc.constantFrom(...compactDtypes),
  M: fc.integer({ min: 1, max: 9 }),
  K: fc.integer({ min: 1, max: 200 }),
  N: fc.integer({ min: 1, max: 40 }),
  seed: fc.integer({ min: 1, max: 1 << 30 }),
});

describe("compact.wat against the reference loops", () => {
  // Node 20: the flag lets the relaxed variant compile; Node 22 has relaxed SIMD on and no such flag
  if (Number(process.versions.node.split(".")[0]) < 22) setFlagsFromString("--experimental-wasm-relaxed-simd");
  const variants = [
    { name: "SIMD128", kernels: instantiateKernels(compileKernels(false)).compact },
    { name: "relaxed SIMD", kernels: instantiateKernels(compileKernels(true)).compact },
  ];

  // compact.wat's relaxed variant uses only f32x4.relaxed_madd, which the flag makes Node 20
  // compute right (its relaxed integer dot, which is wrong, is not used): the probe passes here.
  const relaxedWorks = relaxedKernelsWork(new WebAssembly.Module(Buffer.from(relaxedWasmModules["compact"]!, "base64")), true);
  it("the relaxed probe passes where the relaxed variant compiles", () => {
    expect(relaxedWorks).toBe(true);
  });

  for (const { name, kernels } of variants) {
    const dtypes = compactDtypes;
    it(`${name}: ${dtypes.join(", ")}, odd shapes`, () => {
      fc.assert(
        fc.property(shapes, fc.constantFrom(...dtypes), ({ M, K, N, seed }, dtype) => {
          const x = seededFloats(M * K, seed, 2), wf = seededFloats(N * K, seed + 1, 0.5);
          const w = encodeWeights(wf, N, K, dtype, "w");
          const { out, mag } = compactMatmulReference(x, M, K, w, dtype, N);
          const got = runKernel(kernels, dtype, x, M, K, w, N);
          expectNearReference(got, out, mag, K, `${name} ${dtype} M=${M} K=${K} N=${N}`);
          if (dtype === "q8_0" || dtype === "q4_0") expect(bits(got), `${name} ${dtype} M=${M} K=${K} N=${N}`).toEqual(bits(quantizedMatmulF32(x, M, K, w, dtype, N)));
        }),
        { numRuns: 60, seed: 5 },
      );
    });

    // decode (M = 1) walks all W rows in one loop, M > 1 one row per call: the same arithmetic per row
    it(`${name}: bf16 / f16 with one x row give the bits of that row among three`, () => {
      fc.assert(
        fc.property(shapes, fc.constantFrom("bf16", "f16" as const), ({ K, N, seed }, dtype) => {
          const x = seededFloats(3 * K, seed, 2), w = encodeWeights(seededFloats(N * K, seed + 1, 0.5), N, K, dtype, "w");
          const three = runKernel(kernels, dtype, x, 3, K, w, N);
          for (let m = 0; m < 3; m++) {
            const one = runKernel(kernels, dtype, x.subarray(m * K, (m + 1) * K), 1, K, w, N);
            expect(bits(one), `${name} ${dtype} row ${m} K=${K} N=${N}`).toEqual(bits(three.subarray(m * N, (m + 1) * N)));
          }
        }),
        { numRuns: 40, seed: 11 },
      );
    });
  }
});

describe("widenBf16 / widenF16 (the W panels of the bf16 / f16 prefill)", () => {
  it("every 16-bit pattern, at odd offsets and lengths, widens exactly (f16: subnormals, inf, NaN)", () => {
    const { compact: k } = instantiateKernels(compileKernels(false));
    const all = new Uint16Array(65536 + 3).map((_, i) => (i * 40503) & 0xffff); // a permutation of every pattern (40503 is odd)
    const bytes = new Uint8Array(all.buffer);
    const pw = heap.alloc(Math.ceil(all.length / 2) + 4), po = heap.alloc(all.length + 4);
    for (const [off, n] of [[0, all.length], [2, 13], [6, 65536 - 5]] as const) {
      new Uint8Array(heap.memory.buffer, pw + off, 2 * n).set(bytes.subarray(0, 2 * n));
      for (const dtype of ["bf16", "f16"] as const) {
        (dtype === "bf16" ? k.widenBf16 : k.widenF16)(pw + off, n, po + 4);
        const got = new Float32Array(heap.memory.buffer, po + 4, n);
        for (let i = 0; i < n; i++) {
          const want = dtype === "bf16" ? new Float32Array(new Uint32Array([all[i]! << 16]).buffer)[0]! : f16ToF32(all[i]!);
          if (!Object.is(got[i], want) && !(Number.isNaN(want) && Number.isNaN(got[i]))) expect.fail(`${dtype} ${all[i]!.toString(16)}: got ${got[i]}, want ${want}`);
        }
      }
    }
    heap.release(pw);
    heap.release(po);
  });
});

describe("WeightMatrix on the kernel pool", () => {
  it("every dtype: bit-identical for 1–4 threads, and near the reference", () => {
    const cases = fc.sample(
      fc.record({
        dtype: fc.constantFrom(...ANY_K_DTYPES),
        M: fc.constantFrom(1, 1, 3, 4, 17),
        K: fc.integer({ min: 1, max: 400 }),
        N: fc.integer({ min: 1, max: 300 }),
        seed: fc.integer({ min: 1, max: 1 << 30 }),
      }),
      { numRuns: 30, seed: 9 },
    );
    const mats = cases.map(({ dtype, K, N, seed }) => WeightMatrix.fromF32(seededFloats(N * K, seed + 1, 0.5), N, K, dtype));
    const results: Float32Array[][] = [];
    let rounds = 0; // calls that really ran split: without them the comparison proves nothing
    for (const t of [1, 2, 3, 4]) {
      setThreads(t);
      const before = poolRounds();
      results.push(cases.map(({ M, K, seed }, i) => mats[i]!.matmulTransB(seededFloats(M * K, seed, 2), M)));
      if (t > 1) rounds += poolRounds() - before;
    }
    expect(rounds).toBeGreaterThan(0);
    cases.forEach(({ dtype, M, K, N, seed }, i) => {
      for (const r of results.slice(1)) expect(bits(r[i]!), `${dtype} M=${M} K=${K} N=${N}`).toEqual(bits(results[0]![i]!));
      const { out, mag } = compactMatmulReference(seededFloats(M * K, seed, 2), M, K, mats[i]!.bytes(), dtype, N);
      expectNearReference(results[0]![i]!, out, mag, K, `${dtype} M=${M} K=${K} N=${N}`);
      mats[i]!.dispose();
    });
  });

  it("accumulate adds x·Wᵀ to out (the residual add of o_proj / down_proj)", () => {
    for (const dtype of ANY_K_DTYPES) {
      const m = WeightMatrix.fromF32(seededFloats(7 * 40, 2), 7, 40, dtype);
      const x = seededFloats(2 * 40, 3);
      const plain = m.matmulTransB(x, 2);
      const out = m.matmulTransB(x, 2, Float32Array.from(plain.map((_, i) => i)), true);
      out.forEach((v, i) => expect(v).toBeCloseTo(plain[i]! + i, 5));
      m.dispose();
    }
  });

  // index of the first element whose bits differ, or -1 (toEqual on 38 400 elements takes seconds)
  const firstDiff = (a: Float32Array, b: Float32Array): number => bits(a).findIndex((v, i) => v !== bits(b)[i]);

  it("accumulate is exactly out + x·Wᵀ (f32 adds) for 1–4 threads, prefill-sized, out pinned or not", () => {
    const M = 128, K = 72, N = 300; // M·N above the add's per-thread split; M ≥ 4: bf16 / f16 widen for gemm
    const x = seededFloats(M * K, 6, 2);
    const start = seededFloats(M * N, 7, 3);
    // the widened-gemm path (bf16, f16) and the row-dot path (the K-quants take the same one)
    const mats = (["bf16", "f16", "q8_0", "q4_0"] as const).map((dtype) => WeightMatrix.fromF32(seededFloats(N * K, 5, 0.5), N, K, dtype));
    setThreads(1);
    const expected = mats.map((m) => Float32Array.from(m.matmulTransB(x, M), (v, i) => start[i]! + v));
    const pinned = Tensor.pinned([M, N]);
    for (const t of [1, 2, 3, 4]) {
      setThreads(t);
      mats.forEach((m, d) => {
        const out = m.matmulTransB(x, M, Float32Array.from(start), true);
        expect(firstDiff(out, expected[d]!), `${m.dtype} at ${t} threads`).toBe(-1);
        pinned.data.set(start);
        m.matmulTransB(x, M, pinned.data, true);
        expect(firstDiff(pinned.data, expected[d]!), `${m.dtype} pinned at ${t} threads`).toBe(-1);
      });
    }
    pinned.dispose();
    for (const m of mats) m.dispose();
  });

  it("row() dequantizes exactly what the product uses", () => {
    for (const dtype of ANY_K_DTYPES) {
      const K = 45, N = 3;
      const m = WeightMatrix.fromF32(seededFloats(N * K, 4), N, K, dtype, "embed");
      const row = m.row(2);
      expect(Array.from(row)).toEqual(Array.from(decodeRow(encodeWeights(seededFloats(N * K, 4), N, K, dtype, "e"), dtype, K, 2)));
      expect(() => m.row(3)).toThrow("embed: row 3 out of range [0, 3)");
      m.dispose();
      expect(() => m.row(0)).toThrow(/after dispose/);
    }
  });
});
