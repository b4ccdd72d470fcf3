/**
 * Prefill's Q4_K / Q6_K product at the kernel level, one thread: the row-dots (dotQ4_K / dotQ6_K,
 * one W row against every x row — what prefill ran before the packed gemm) against the packed
 * gemm (pairActsK + gemmQ4_K / gemmQ6_K), each with its quantizeActsK, interleaved call by call in
 * ONE process so a loaded machine slows them alike. GFLOP/s = 2·M·N·K / time at min / median /
 * max (wall) and at the min CPU time. Shapes like a 135M model's MLP with K a whole number of
 * super-blocks: up/gate [1536, 512] and down [576, 1536], M = 128. Where the relaxed int8 dot
 * product is in use (Node 22), Q4_K's relaxeddot.wat gemm (pairActsK8 + gemmQ4_K) runs too.
 *
 *   cd packages/tensor && npx tsx --conditions=@mini/source bench/kquant-gemm.ts [rounds]
 */
import { encodeWeights } from "../src/compact/encode.js";
import type { KQuantDtype } from "../src/compact/kquant.js";
import { heap } from "../src/wasm/heap.js";
import type { RelaxedDotExports } from "../src/wasm/exports.js";
import { relaxedDot, wasm } from "../src/wasm/instance.js";
import { createRng } from "../src/random.js";
import { randomWeights } from "./random-weights.js";

const rounds = Number(process.argv[2] ?? 30);
const k = wasm!.kquant, int8 = relaxedDot() ? (wasm!.relaxeddot as RelaxedDotExports) : null;
const rng = createRng(1);
const M = 128;
const shapes: [number, number][] = [[1536, 512], [576, 1536]];
const rows: string[] = [];
for (const dtype of ["q4_k", "q6_k"] as KQuantDtype[]) {
  for (const [N, K] of shapes) {
    const nsb = K / 256, pairs = 2 * Math.ceil(M / 4);
    const w = encodeWeights(randomWeights(rng, N * K), N, K, dtype, "w");
    const px = heap.alloc(M * K), pw = heap.alloc(Math.ceil(w.length / 4)), po = heap.alloc(M * N);
    const xq = heap.alloc(Math.ceil((M * nsb * 276) / 4)), x2 = heap.alloc(532 * pairs * nsb), panel = heap.alloc((nsb * 8576 + 1088) / 4);
    heap.view(px, M * K).set(randomWeights(rng, M * K));
    new Uint8Array(heap.memory.buffer, pw, w.length).set(w);
    const kernels: Record<string, () => void> = {
      "row-dots": () => {
        k.quantizeActsK(px, M, K, xq);
        (dtype === "q4_k" ? k.dotQ4_K : k.dotQ6_K)(xq, M, nsb, pw, N, po, N);
      },
      "packed gemm": () => {
        k.quantizeActsK(px, M, K, xq);
        k.pairActsK(xq, M, nsb, x2, 0, pairs);
        (dtype === "q4_k" ? k.gemmQ4_K : k.gemmQ6_K)(x2, M, nsb, pw, N, po, N, panel);
      },
    };
    if (int8 !== null && dtype === "q4_k") {
      kernels["packed gemm, int8 dot"] = () => {
        k.quantizeActsK(px, M, K, xq);
        int8.pairActsK8(xq, M, nsb, x2, 0, pairs);
        int8.gemmQ4_K(x2, M, nsb, pw, N, po, N, panel);
      };
    }
    const wall = new Map<string, number[]>(), cpu = new Map<string, number[]>();
    for (let r = 0; r < rounds; r++) {
      for (const [name, run] of Object.entries(kernels)) {
        const c0 = process.cpuUsage(), t0 = performance.now();
        run();
        const t = performance.now() - t0, c = process.cpuUsage(c0);
        if (r < 3) continue; // warm-up
        (wall.get(name) ?? wall.set(name, []).get(name)!).push(t);
        (cpu.get(name) ?? cpu.set(name, []).get(name)!).push((c.user + c.system) / 1000);
      }
    }
    const gf = (ms: number): string => ((2 * M * N * K) / ms / 1e6).toFixed(1);
    for (const name of Object.keys(kernels)) {
      const s = wall.get(name)!.sort((a, b) => a - b), c = cpu.get(name)!.sort((a, b) => a - b);
      rows.push(`| ${dtype} | [${N}, ${K}] | ${name} | ${s[0]!.toFixed(2)} / ${s[s.length >> 1]!.toFixed(2)} / ${s[s.length - 1]!.toFixed(2)} | ${gf(s[0]!)} / ${gf(s[s.length >> 1]!)} / ${gf(s[s.length - 1]!)} | ${gf(c[0]!)} |`);
    }
    for (const p of [px, pw, po, xq, x2, panel]) heap.release(p);
  }
}
console.log(`M = ${M}, 1 thread, ${rounds} interleaved rounds\n| dtype | W [N, K] | kernel | ms min / med / max | GFLOP/s (at max / med / min ms) | GFLOP/s at min CPU ms |\n|---|---|---|---:|---:|---:|`);
for (const r of rows) console.log(r);
