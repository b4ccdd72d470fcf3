/**
 * Isolated gemv (M = 1) of the K-quant dtypes against f32, f16, q8_0 and q4_0 in ONE process, the dtypes
 * interleaved call by call for 40 rounds (so a loaded machine slows them alike), min and median
 * per dtype: a ratio measurement to go with bench/compact.ts --kquant's one-process-per-cell table.
 * 6 pairs of [2816, 1024] and [1024, 2816] matrices (35 M weights, 138 MB as f32).
 *
 *   cd packages/tensor && npx tsx --conditions=@mini/source bench/kquant-gemv.ts [threads]
 */
import type { WeightDtype } from "../src/compact/dtype.js";
import { WeightMatrix } from "../src/compact/matrix.js";
import { createRng } from "../src/random.js";
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
const times = new Map(DTYPES.map((d) => [d, [] as number[]]));
for (let round = 0; round < 40; round++) {
  for (const d of DTYPES) {
    const t0 = performance.now();
    mats.get(d)!.forEach((m, i) => m.matmulTransB(x, 1, outs[i]!));
    times.get(d)!.push(performance.now() - t0);
  }
}
console.log(`| dtype | threads | MB | min ms | median ms | GB/s at min |\n|---|---:|---:|---:|---:|---:|`);
for (const d of DTYPES) {
  const s = times.get(d)!.slice(5).sort((a, b) => a - b); // the first rounds warm up
  const bytes = mats.get(d)!.reduce((t, m) => t + m.byteLength, 0);
  console.log(`| ${d} | ${threads} | ${(bytes / 1e6).toFixed(1)} | ${s[0]!.toFixed(2)} | ${s[s.length >> 1]!.toFixed(2)} | ${(bytes / s[0]! / 1e6).toFixed(1)} |`);
}
