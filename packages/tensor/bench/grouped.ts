/**
 * A decoder layer's products from one input as one kernel-pool round (matmulGroup /
 * WeightMatrix.matmulTransBGroup) against one call each, on the synthesized 32M model's shapes
 * (hidden 312, k/v 104, intermediate 1092; 10 layers' q, k, v, gate and up: 34 MB as f32, so decode
 * streams them as the model does), for M = 1 (decode) and M = 128 (prefill), f32 and q8_0, at 1
 * thread and at all threads. Also the all-threads speed-up of the ungrouped calls, which says how
 * well these small products scale at all on the machine.
 *
 *   cd packages/tensor && pnpm bench:grouped            (rounds = 7)
 *   ... bench/grouped.ts --rounds 15
 *
 * One process; every (dtype, M, threads, grouped or not) cell is timed once per round, the cells
 * interleaved within the round (in reverse order every other round), so load from other jobs
 * spreads over all of them. The table gives
 * min / median / max over the rounds of the time per layer (q, k, v, then gate and up).
 */
import { WeightMatrix } from "../src/compact/matrix.js";
import { matmulGroup, matmulTransB } from "../src/kernels/matmul.js";
import { createRng } from "../src/random.js";
import { Tensor } from "../src/tensor.js";
import { defaultThreads, setThreads } from "../src/wasm/pool.js";
import { randomWeights } from "./random-weights.js";

const H = 312, KV = 104, I = 1092, LAYERS = 10;
const argv = process.argv.slice(2);
const rounds = argv.includes("--rounds") ? Number(argv[argv.indexOf("--rounds") + 1]) : 7;
const rng = createRng(7);
const pinned = (n: number): Float32Array => {
  const t = Tensor.pinned([n]);
  t.data.set(randomWeights(rng, n));
  return t.data;
};

/** One layer's two groups: [rows of each product] with a shared input of width H. */
const GROUPS = [[H, KV, KV], [I, I]];
type Dtype = "f32" | "q8_0";
const weights = new Map<Dtype, (Float32Array | WeightMatrix)[][][]>(); // dtype → layer → group → product
for (const dtype of ["f32", "q8_0"] as const) {
  weights.set(dtype, Array.from({ length: LAYERS }, () => GROUPS.map((g) => g.map((N) => {
    const w = pinned(N * H);
    return dtype === "f32" ? w : WeightMatrix.fromF32(w, N, H, dtype);
  }))));
}
const x = { 1: pinned(H), 128: pinned(128 * H) };
const outs = GROUPS.map((g) => g.map((N) => pinned(128 * N)));

function layerPass(dtype: Dtype, M: 1 | 128, grouped: boolean): void {
  for (const layer of weights.get(dtype)!) {
    layer.forEach((ws, gi) => {
      const o = outs[gi]!;
      if (dtype === "f32") {
        const items = ws.map((w, i) => ({ layout: "nt" as const, a: x[M], b: w as Float32Array, M, K: H, N: GROUPS[gi]![i]!, out: o[i]! }));
        if (grouped) matmulGroup(items);
        else for (const it of items) matmulTransB(it.a, it.b, M, H, it.N, it.out);
      } else {
        const ms = ws as WeightMatrix[];
        if (!grouped || !WeightMatrix.matmulTransBGroup(x[M], M, ms.map((w, i) => ({ w, out: o[i]! })))) {
          ms.forEach((w, i) => w.matmulTransB(x[M], M, o[i]!));
        }
      }
    });
  }
}

const threadCounts = [...new Set([1, defaultThreads()])];
const cells = (["f32", "q8_0"] as const).flatMap((dtype) => ([1, 128] as const).flatMap((M) =>
  threadCounts.flatMap((threads) => [false, true].map((grouped) => ({ dtype, M, threads, grouped, ms: [] as number[] })))));
for (let r = 0; r <= rounds; r++) {
  for (const c of r % 2 === 0 ? cells : [...cells].reverse()) { // alternate the order: neither side always finds the other's weights in cache
    setThreads(c.threads);
    const reps = c.M === 1 ? 20 : 2;
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) layerPass(c.dtype, c.M, c.grouped);
    if (r > 0) c.ms.push((performance.now() - t0) / reps / LAYERS); // round 0 warms up
  }
}
const sorted = (v: number[]): number[] => [...v].sort((a, b) => a - b);
const med = (v: number[]): number => sorted(v)[v.length >> 1]!;
const mmm = (v: number[]): string => { const s = sorted(v); return [s[0]!, s[s.length >> 1]!, s[s.length - 1]!].map((t) => (t * 1000).toFixed(0)).join(" / "); };
console.log(`\n${rounds} interleaved rounds; µs per layer (q, k, v + gate, up), min / median / max; one process\n`);
console.log("| dtype | M | threads | one call each | grouped | grouped / one each (medians) | threads speed-up, one call each |");
console.log("|---|---:|---:|---|---|---:|---:|");
for (const c of cells.filter((c) => !c.grouped)) {
  const g = cells.find((d) => d.grouped && d.dtype === c.dtype && d.M === c.M && d.threads === c.threads)!;
  const one = cells.find((d) => !d.grouped && d.dtype === c.dtype && d.M === c.M && d.threads === 1)!;
  const speedUp = c.threads === 1 ? "" : `${(med(one.ms) / med(c.ms)).toFixed(2)}×`;
  console.log(`| ${c.dtype} | ${c.M} | ${c.threads} | ${mmm(c.ms)} | ${mmm(g.ms)} | ${(med(g.ms) / med(c.ms)).toFixed(2)} | ${speedUp} |`);
}
setThreads(1);
