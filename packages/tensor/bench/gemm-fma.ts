/**
 * gemm.wat's f32 micro-kernels with f32x4.relaxed_madd (fused multiply-add, the relaxed-SIMD build)
 * against f32x4.mul + f32x4.add (SIMD128), one thread, both modules in one process on one heap:
 * the packed path of gemm (x·Wᵀ: B packed per call; for M = 5–8 the B·Aᵀ path without packing)
 * and gemmPackedB (PackedTransB: W packed once), on the shapes of the synthesized 32M model
 * (hidden 312, intermediate 1092, vocabulary 32002) and SmolLM2-135M (576, 1536, 49152), M rows of x.
 *
 *   cd packages/tensor && pnpm bench:gemm-fma                 (--rounds 7 --ms 8,16,64,128)
 *
 * Node 20 compiles the relaxed build with --experimental-wasm-relaxed-simd, set here. Timing is
 * CPU time of this thread (process.cpuUsage), the two variants interleaved per round (order
 * alternating), ~0.4 GFLOP per timing; prints min GFLOP/s of each and the ratio of the minima and
 * of the medians (relaxed over SIMD128: > 1 means FMA is faster). Run it in several processes on a
 * shared machine and compare ratios.
 */
import { setFlagsFromString } from "node:v8";
import type { GemmExports } from "../src/wasm/exports.js";
import { heap } from "../src/wasm/heap.js";
import { relaxedWasmModules, wasmModules } from "../src/wasm/kernels.wasm.js";
import { relaxedMaddFuses } from "../src/wasm/relaxed-probe.js";

if (Number(process.versions.node.split(".")[0]) < 22) setFlagsFromString("--experimental-wasm-relaxed-simd");
const argv = process.argv.slice(2);
const arg = (name: string, dflt: string): string => (argv.includes(name) ? argv[argv.indexOf(name) + 1]! : dflt);
const rounds = Number(arg("--rounds", "7"));
const Ms = arg("--ms", "8,16,64,128").split(",").map(Number);

const instance = (b64: string): GemmExports => {
  const module = new WebAssembly.Module(Buffer.from(b64, "base64"));
  return new WebAssembly.Instance(module, { env: { memory: heap.memory } }).exports as unknown as GemmExports;
};
const relaxedModule = new WebAssembly.Module(Buffer.from(relaxedWasmModules["gemm"]!, "base64"));
const plain = instance(wasmModules["gemm"]!), relaxed = instance(relaxedWasmModules["gemm"]!);
const cpuMs = (): number => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const median = (x: number[]): number => [...x].sort((p, q) => p - q)[x.length >> 1]!;
console.log(`node ${process.versions.node}; relaxed_madd fuses: ${relaxedMaddFuses(relaxedModule, true)}; ${rounds} rounds, one thread`);
console.log("| K → N | M | path | SIMD128 GFLOP/s (best) | FMA GFLOP/s (best) | ratio of best | ratio of medians |\n|---|---:|---|---:|---:|---:|---:|");

const scratch = heap.alloc(128 * 256 + 256 * 2048 + 32);
const ap = scratch, bp = scratch + 4 * 128 * 256, tile = bp + 4 * 256 * 2048;
// the layers' projections, then the vocabulary heads (32M: 32002 tokens; SmolLM2: 49152) at the smaller M
const shapes: [number, number, number[]][] = [[312, 1092, Ms], [1092, 312, Ms], [576, 1536, Ms], [1536, 576, Ms], [312, 32002, Ms.slice(0, 2)], [576, 49152, Ms.slice(0, 2)]];
for (const [K, N, shapeMs] of shapes) {
  for (const M of shapeMs) {
    const Npad = Math.ceil(N / 8) * 8;
    const [a, w, c, packed] = [heap.alloc(M * K), heap.alloc(N * K), heap.alloc(M * N), heap.alloc(Npad * K)];
    for (const [p, n] of [[a, M * K], [w, N * K]] as const) heap.view(p, n).forEach((_, i, v) => { v[i] = Math.sin(i * 0.37 + p); });
    plain.packBT(w, N, K, packed);
    const flop = 2 * M * N * K, reps = Math.max(1, Math.round(4e8 / flop));
    for (const path of ["gemm", "gemmPackedB"] as const) {
      const time = (g: GemmExports): number => {
        const t = cpuMs();
        for (let r = 0; r < reps; r++) {
          if (path === "gemm") g.gemm(M, N, K, a, K, 1, w, 1, K, c, N, 1, 0, ap, bp, tile);
          else g.gemmPackedB(M, N, K, a, K, 1, packed, Npad, 0, c, N, 1, 0, ap, tile);
        }
        return (cpuMs() - t) / reps;
      };
      time(plain); time(relaxed); // warm-up (tier-up)
      const tp: number[] = [], tr: number[] = [];
      for (let r = 0; r < rounds; r++) {
        if (r % 2) { tr.push(time(relaxed)); tp.push(time(plain)); } else { tp.push(time(plain)); tr.push(time(relaxed)); }
      }
      const gf = (ms: number): string => (flop / ms / 1e6).toFixed(1);
      console.log(`| ${K} → ${N} | ${M} | ${path} | ${gf(Math.min(...tp))} | ${gf(Math.min(...tr))} | ${(Math.min(...tp) / Math.min(...tr)).toFixed(2)} | ${(median(tp) / median(tr)).toFixed(2)} |`);
    }
    for (const p of [a, w, c, packed]) heap.release(p);
  }
}
heap.release(scratch);
