import { setFlagsFromString } from "node:v8";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { GemmExports } from "../src/wasm/exports.js";
import { heap } from "../src/wasm/heap.js";
import { fusedGemm, relaxedGemmFuses, relaxedSimd } from "../src/wasm/instance.js";
import { relaxedWasmModules, wasmModules } from "../src/wasm/kernels.wasm.js";
import type { MatmulLayout } from "../src/wasm/matmul.js";
import { relaxedMaddFuses } from "../src/wasm/relaxed-probe.js";
import { fmaF32 } from "./fma32.js";
import { gemmOrderReference } from "./gemm-reference.js";
import { seededFloats } from "./helpers.js";

// gemm.wat's relaxed-SIMD build (f32x4.relaxed_madd in the micro-kernels' k loops) against the
// fused reference loop, called directly on one thread whatever variant this process runs (Node 20
// compiles it with --experimental-wasm-relaxed-simd, set here before compiling). The kernels in use
// at 1–4 threads are checked against the same reference by gemm-order.test.ts where `fusedGemm`
// (Node ≥ 22: CI's second run of this package).
const major = Number(process.versions.node.split(".")[0]);
if (major < 22) setFlagsFromString("--experimental-wasm-relaxed-simd");
const moduleOf = (b64: string): WebAssembly.Module => new WebAssembly.Module(Buffer.from(b64, "base64"));
const relaxedGemm = moduleOf(relaxedWasmModules["gemm"]!);
const bits = (a: Float32Array): Uint32Array => new Uint32Array(a.buffer, a.byteOffset, a.length);

/** x·y + z exactly, as an integer count of 2⁻²⁹⁸ (every float32 is a multiple of 2⁻¹⁴⁹). */
const exact = (x: number, y: number, z: number): bigint => BigInt(x * 2 ** 149) * BigInt(y * 2 ** 149) + BigInt(z * 2 ** 149) * 2n ** 149n;
const f32Bits = new Int32Array(1);
const f32 = new Float32Array(f32Bits.buffer);
/** The float32 `steps` ulps above (or below) r, through the ordered integer line of float32 bits. */
function neighbour(r: number, steps: number): number {
  f32[0] = r;
  const i = f32Bits[0]!;
  const ord = (i >= 0 ? i : -(i & 0x7fffffff)) + steps;
  f32Bits[0] = ord >= 0 ? ord : 0x80000000 | -ord;
  return f32[0]!;
}

describe("fmaF32, the reference's fused multiply-add", () => {
  /** r is the float32 nearest to x·y + z, ties to even. */
  function expectNearest(x: number, y: number, z: number): void {
    const r = fmaF32(x, y, z);
    const v = exact(x, y, z);
    const dist = (q: number): bigint => { const d = BigInt(q * 2 ** 149) * 2n ** 149n - v; return d < 0n ? -d : d; };
    const d = dist(r);
    for (const q of [neighbour(r, -1), neighbour(r, 1)]) {
      const dq = dist(q);
      f32[0] = r;
      if (dq < d || (dq === d && (f32Bits[0]! & 1) === 1)) expect.fail(`fma(${x}, ${y}, ${z}) gave ${r}; ${q} is nearer (or an even tie)`);
    }
  }

  it("rounds once where Math.fround(x·y + z) rounds twice (double then float32)", () => {
    const x = Math.fround(1 + 2 ** -12); // x² = 1 + 2⁻¹¹ + 2⁻²⁴: a float32 midpoint
    expect(fmaF32(x, x, 0)).toBe(1 + 2 ** -11); // the tie goes to even
    expect(fmaF32(x, x, 2 ** -80)).toBe(1 + 2 ** -11 + 2 ** -23); // just above the midpoint
    expect(Math.fround(x * x + 2 ** -80)).toBe(1 + 2 ** -11); // the double sum lost 2⁻⁸⁰
    expect(fmaF32(x, x, -(2 ** -80))).toBe(1 + 2 ** -11);
    expect(fmaF32(x, x, -1)).toBe(2 ** -11 + 2 ** -24);
    for (const z of [0, 2 ** -80, -(2 ** -80), -1, 3, -(2 ** -149)]) expectNearest(x, x, z);
  });

  it("gives the float32 nearest to the exact x·y + z (fast-check against integer arithmetic)", () => {
    const small = fc.float({ min: Math.fround(-(2 ** 40)), max: Math.fround(2 ** 40), noNaN: true, noDefaultInfinity: true });
    // few significant bits: products and sums land on midpoints far more often than random floats
    const short = fc.tuple(fc.integer({ min: -4095, max: 4095 }), fc.integer({ min: -40, max: 20 })).map(([m, e]) => Math.fround(m * 2 ** e));
    const value = fc.oneof(small, short);
    fc.assert(fc.property(value, value, value, (x, y, z) => expectNearest(x, y, z)), { numRuns: 3000, seed: 11 });
  });
});

describe("the start-up probe of fused multiply-add in gemm", () => {
  it(`Node ${process.versions.node}: the relaxed gemm fuses on ${process.arch}, the SIMD128 one does not, and the products in use follow the probe`, () => {
    if (process.arch === "x64" || process.arch === "arm64") expect(relaxedMaddFuses(relaxedGemm, true)).toBe(true);
    expect(relaxedMaddFuses(moduleOf(wasmModules["gemm"]!), true)).toBe(false); // mul then add: two roundings
    if (major >= 22) expect(relaxedGemmFuses).toBe(relaxedMaddFuses(relaxedGemm, true));
    expect(fusedGemm).toBe(relaxedSimd && relaxedGemmFuses);
  });
});

describe("gemm.wat's relaxed build against the fused reference loop, bit for bit (one thread)", () => {
  const k = new WebAssembly.Instance(relaxedGemm, { env: { memory: heap.memory } }).exports as unknown as GemmExports;
  const strides = (layout: MatmulLayout, M: number, K: number, N: number): [number, number, number, number] =>
    layout === "nn" ? [K, 1, N, 1] : layout === "nt" ? [K, 1, 1, K] : [1, M, N, 1];

  it("gemm's paths (direct ≤ 16 rows, B·Aᵀ for 5–8 rows, packed) and gemmPackedB on odd shapes, any alpha and beta", () => {
    const shape = fc.record({
      layout: fc.constantFrom<MatmulLayout>("nn", "nt", "tn"),
      M: fc.integer({ min: 1, max: 40 }),
      K: fc.integer({ min: 1, max: 300 }), // crosses KC = 256
      N: fc.integer({ min: 1, max: 45 }),
      alpha: fc.constantFrom(1, -0.5, 2.25),
      beta: fc.constantFrom(0, 1, 0.75),
      seed: fc.integer({ min: 1, max: 1 << 30 }),
    });
    const scratch = heap.alloc(128 * 256 + 256 * 2048 + 32);
    try {
      for (const { layout, M, K, N, alpha, beta, seed } of fc.sample(shape, { numRuns: 60, seed: 7 })) {
        const a0 = seededFloats(M * K, seed, 2), b0 = seededFloats(K * N, seed + 1, 2), c0 = seededFloats(M * N, seed + 2, 2);
        const want = bits(gemmOrderReference(layout, a0, b0, M, K, N, c0.slice(), alpha, beta, true));
        const Npad = Math.ceil(N / 8) * 8;
        const [pa, pb, pc, packed] = [heap.alloc(M * K), heap.alloc(K * N), heap.alloc(M * N), heap.alloc(Npad * K)];
        heap.view(pa, M * K).set(a0);
        heap.view(pb, K * N).set(b0);
        const [rsA, csA, rsB, csB] = strides(layout, M, K, N);
        const runs: [string, () => void][] = [["gemm", () => k.gemm(M, N, K, pa, rsA, csA, pb, rsB, csB, pc, N, alpha, beta, scratch, scratch + 4 * 128 * 256, scratch + 4 * (128 * 256 + 256 * 2048))]];
        if (layout === "nt") {
          k.packBT(pb, N, K, packed);
          runs.push(["gemmPackedB", () => k.gemmPackedB(M, N, K, pa, rsA, csA, packed, Npad, 0, pc, N, alpha, beta, scratch, scratch + 4 * (128 * 256 + 256 * 2048))]);
        }
        for (const [name, run] of runs) {
          heap.view(pc, M * N).set(c0);
          run();
          const got = bits(heap.view(pc, M * N).slice());
          for (let i = 0; i < M * N; i++) if (got[i] !== want[i]) expect.fail(`${name} ${layout} [${M}, ${K}, ${N}] alpha ${alpha} beta ${beta}: element ${i} differs from the fused reference`);
        }
        for (const p of [pa, pb, pc, packed]) heap.release(p);
      }
    } finally {
      heap.release(scratch);
    }
  });
});
