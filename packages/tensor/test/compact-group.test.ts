/**
 * WeightMatrix.matmulTransBGroup (a layer's q, k, v in compact weights): x quantized once and the
 * products cut evenly across the threads give every product the bits of its own matmulTransB, for
 * every dtype, at 1–4 threads; at 2 threads a decode step's group is ONE pool round; bf16 / f16
 * from 4 rows of x (widened gemm) and mixed dtypes are declined, doing nothing.
 */
import { afterAll, describe, expect, it } from "vitest";
import { INT_GEMM_MIN_M } from "../src/compact/int-gemm.js";
import { WeightMatrix } from "../src/compact/matrix.js";
import type { WeightDtype } from "../src/compact/dtype.js";
import { getThreads, poolRounds, setThreads } from "../src/wasm/pool.js";
import { seededFloats } from "./helpers.js";

const initial = getThreads();
afterAll(() => setThreads(initial));
const bits = (a: Float32Array): Uint32Array => new Uint32Array(a.buffer, a.byteOffset, a.length);

describe("WeightMatrix.matmulTransBGroup", () => {
  const cases: [Exclude<WeightDtype, "f32">, number, number[]][] = [
    ["q8_0", 312, [312, 104, 104]], ["q4_0", 200, [96, 37, 130]], ["bf16", 77, [400, 13]], ["f16", 77, [401, 9, 64]],
    ["q4_k", 256, [260, 40, 40]], ["q5_k", 512, [72, 41, 9]], ["q6_k", 512, [64, 65]],
  ];
  for (const [dtype, K, Ns] of cases) {
    // q8_0 / q4_0 / q4_k / q5_k / q6_k from INT_GEMM_MIN_M rows: the packed gemm's group (int-gemm.ts)
    const Ms = dtype !== "bf16" && dtype !== "f16" ? [1, 2, 3, INT_GEMM_MIN_M, 13, 40] : [1, 2, 3];
    it(`${dtype}, K = ${K}, rows ${Ns.join(" + ")}: the bits of one call each, M = ${Ms.join(", ")}, at 1–4 threads`, () => {
      const ws = Ns.map((N, i) => WeightMatrix.fromF32(seededFloats(N * K, 10 + i), N, K, dtype, `w${i}`));
      for (const M of Ms) {
        const x = seededFloats(M * K, 3 + M, 2);
        setThreads(1);
        const want = ws.map((w) => bits(w.matmulTransB(x, M)));
        for (const t of [1, 2, 3, 4]) {
          setThreads(t);
          const outs = Ns.map((N) => new Float32Array(M * N));
          expect(WeightMatrix.matmulTransBGroup(x, M, ws.map((w, i) => ({ w, out: outs[i]! })))).toBe(true);
          outs.forEach((o, i) => expect(bits(o), `product ${i}, M = ${M}, ${t} threads`).toEqual(want[i]));
        }
      }
      for (const w of ws) w.dispose();
    });
  }

  it("a decode step's q8_0 q, k, v go as one pool round at 2 threads, a prefill's as three", () => {
    const K = 312, Ns = [312, 104, 104];
    const ws = Ns.map((N, i) => WeightMatrix.fromF32(seededFloats(N * K, 20 + i), N, K, "q8_0"));
    setThreads(2);
    const rounds = poolRounds();
    expect(WeightMatrix.matmulTransBGroup(seededFloats(K, 5), 1, ws.map((w, i) => ({ w, out: new Float32Array(Ns[i]!) })))).toBe(true);
    expect(poolRounds() - rounds).toBe(1);
    // a prefill's: x quantized, laid out by pairs, then one gemm round over the three products
    const prefill = poolRounds();
    expect(WeightMatrix.matmulTransBGroup(seededFloats(64 * K, 6), 64, ws.map((w, i) => ({ w, out: new Float32Array(64 * Ns[i]!) })))).toBe(true);
    expect(poolRounds() - prefill).toBe(3);
    for (const w of ws) w.dispose();
  });

  it("declines bf16 at 4 rows of x, mixed dtypes and f32, writing nothing", () => {
    const a = WeightMatrix.fromF32(seededFloats(64 * 32, 1), 64, 32, "bf16");
    const b = WeightMatrix.fromF32(seededFloats(64 * 32, 2), 64, 32, "q8_0");
    const c = WeightMatrix.fromF32(seededFloats(64 * 32, 3), 64, 32, "f32");
    const out = new Float32Array(4 * 64);
    expect(WeightMatrix.matmulTransBGroup(seededFloats(4 * 32, 4), 4, [{ w: a, out }, { w: a, out: new Float32Array(4 * 64) }])).toBe(false);
    expect(WeightMatrix.matmulTransBGroup(seededFloats(32, 4), 1, [{ w: a, out }, { w: b, out: new Float32Array(64) }])).toBe(false);
    expect(WeightMatrix.matmulTransBGroup(seededFloats(32, 4), 1, [{ w: c, out }, { w: c, out: new Float32Array(64) }])).toBe(false);
    expect(out.every((v) => v === 0)).toBe(true);
    for (const w of [a, b, c]) w.dispose();
  });
});
