/**
 * Isolated gemv (M = 1) of the K-quant dtypes against f32, f16, q8_0 and q4_0 in ONE process, the dtypes
 * interleaved call by call for 40 rounds (so a loaded machine slows them alike), min and median
 * per dtype: a ratio measurement to go with bench/compact.ts --kquant's one-process-per-cell table.
 * 6 pairs of [2816, 1024] and [1024, 2816] matrices (35 M weights, 138 MB as f32). Relaxed SIMD is
 * on as in the apps (relaxed-first.ts); where its int8 dot product is in use, each quantized dtype
 * is also timed without it ("… simd128": compact.wat / kquant.wat's products, the same bits) in the
 * same rounds.
 *
 *   cd packages/tensor && npx tsx --conditions=@mini/source bench/kquant-gemv.ts [threads]
 */
import "./relaxed-first.js";
import type { WeightDtype } from "../src/compact/dtype.js";
import { WeightMatrix } from "../src/compact/matrix.js";
import { createRng } from "../src/random.js";
import { relaxedDot, setRelaxedDot } from "../src/wasm/instance.js";
import { setThreads } from "../src/wasm/pool.js";
import { randomWeights } from "./random-weights.js";

const threads = Number(process.argv[2] ?? 1);
setThreads(threads);
const rng = createRng(1);
const rand = (n: number): Float32Array => randomWeights(rng, n);
const DTYPES: WeightDtype[] = ["f32", "f16", "q8_0", "q4_0", "q4_k", "q5_k", "q6_k"];
const shapes: [number, number][] = [];
for (let l = 0; l < 6; l++) shapes.push([2816, 1024], [1024, 2816]);
const weights = shapes.map(([r, c]) => rand(r * c));
const mats = new Map(DTYPES.map((d) => [d, shapes.map(([r, c], i) => WeightMatrix.fromF32(weights[i]!, r, c, d))]));
const x = rand(2816);
const outs = shapes.map(([r]) => new Float32Array(r));
// each cell: a dtype, with the int8 dot product or not (only the quantized dtypes differ)
const int8 = relaxedDot();
const cells = DTYPES.flatMap((d) => (int8 && d !== "f32" && d !== "f16" ? [{ d, int8: true }, { d, int8: false }] : [{ d, int8: false }]));
const label = (c: { d: WeightDtype; int8: boolean }): string => (int8 && c.d !== "f32" && c.d !== "f16" ? `${c.d} ${c.int8 ? "int8" : "simd128"}` : c.d);
const times = new Map(cells.map((c) => [label(c), [] as number[]]));
for (let round = 0; round < 40; round++) {
  for (const c of cells) {
    setRelaxedDot(c.int8);
    const t0 = performance.now();
    mats.get(c.d)!.forEach((m, i) => m.matmulTransB(x, 1, outs[i]!));
    times.get(label(c))!.push(performance.now() - t0);
  }
}
console.log(`node ${process.versions.node}, int8 dot product ${int8 ? "in use" : "not available"}`);
console.log(`| dtype | threads | MB | min ms | median ms | GB/s at min |\n|---|---:|---:|---:|---:|---:|`);
for (const c of cells) {
  const s = times.get(label(c))!.slice(5).sort((a, b) => a - b); // the first rounds warm up
  const bytes = mats.get(c.d)!.reduce((t, m) => t + m.byteLength, 0);
  console.log(`| ${label(c)} | ${threads} | ${(bytes / 1e6).toFixed(1)} | ${s[0]!.toFixed(2)} | ${s[s.length >> 1]!.toFixed(2)} | ${(bytes / s[0]! / 1e6).toFixed(1)} |`);
}
