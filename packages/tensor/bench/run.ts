/**
 * Speed of the hot kernels: naive reference vs JS fallback vs WASM SIMD, printed as markdown tables.
 *
 *   cd packages/tensor && pnpm bench          (= tsx --conditions=@mini/source bench/run.ts)
 *   ... bench/run.ts matmul | norms           (one table only)
 *
 * matmul: GFLOP/s (2·M·K·N / time) at the shapes of the project's models (RustGPT/story-sized
 * Linear layers, a 32002-token vocabulary head, square blocks), in A·B ("NN") and A·Bᵀ ("NT",
 * x·Wᵀ) layout. "WASM pinned" has its operands in the WASM heap (zero copy, as model weights are);
 * "WASM unpinned" (M = 1 rows) passes JS arrays, so it includes copying them in and out.
 * softmax / rmsNorm / layerNorm: GB/s = (bytes read + written) / time.
 * Every number is the best of several timed runs after a warm-up (1 thread; other load on the
 * machine shows up as noise, so compare columns of one run rather than runs).
 */
import { Tensor } from "../src/tensor.js";
import {
  matmul, matmulTransB,
  matmulJs, matmulTransBJs,
  matmulReference, matmulTransBReference,
} from "../src/kernels/matmul.js";
import { softmax } from "../src/kernels/softmax.js";
import { softmaxReference } from "../src/kernels/softmax.reference.js";
import { layerNorm, rmsNorm } from "../src/kernels/norm.js";
import { layerNormReference, rmsNormReference } from "../src/kernels/norm.reference.js";
import { setWasmEnabled, wasmAvailable, wasmUnavailableReason } from "../src/wasm/instance.js";

/** Best seconds per call of fn, after a warm-up, over at least `minReps` runs and ~budget seconds. */
function bestTime(fn: () => void, budget = 0.25, minReps = 3): number {
  fn();
  let best = Infinity;
  const start = performance.now();
  for (let rep = 0; rep < minReps || (performance.now() - start) / 1000 < budget; rep++) {
    const t0 = performance.now();
    fn();
    best = Math.min(best, (performance.now() - t0) / 1000);
    if (rep > 10000) break;
  }
  return best;
}

function randomArray(n: number, seed: number): Float32Array {
  const a = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = s / 2147483648 - 1;
  }
  return a;
}

function pinnedCopy(a: Float32Array): Tensor {
  const t = Tensor.pinned([a.length]);
  t.data.set(a);
  return t;
}

const fmt = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));

/**
 * V8 first runs WASM in its baseline compiler (Liftoff) and swaps in optimized code (TurboFan) once a
 * function is hot, compiled in the background: run every kernel for a while first, so that the
 * first rows of the tables do not measure baseline code.
 */
function warmUp(): void {
  const x = pinnedCopy(randomArray(64 * 64, 9)).data;
  const y = pinnedCopy(randomArray(64 * 64, 10)).data;
  const o = Tensor.pinned([64 * 64]).data;
  const w = pinnedCopy(randomArray(64, 11)).data;
  const start = performance.now();
  while (performance.now() - start < 400) {
    matmul(x, y, 64, 64, 64, o);
    matmulTransB(x, y, 64, 64, 64, o);
    matmul(x, y, 1, 64, 64, o);
    matmulTransB(x, y, 1, 64, 64, o);
    softmax(x, 64, 64, o);
    rmsNorm(x, w, 64, 64, 1e-5, o);
    layerNorm(x, w, w, 64, 64, 1e-5, o);
  }
}

function benchMatmul(): void {
  const shapes: [number, number, number][] = [
    [1, 128, 384], [1, 312, 1092], [1, 312, 32002], [80, 128, 256], [128, 312, 1092], [256, 256, 256], [512, 512, 512],
  ];
  console.log("### matmul, GFLOP/s (1 thread)\n");
  console.log("| M×K·K×N | layout | naive | JS | WASM pinned | WASM unpinned | WASM/naive |");
  console.log("|---|---|---:|---:|---:|---:|---:|");
  for (const [M, K, N] of shapes) {
    const flops = 2 * M * K * N;
    const a = randomArray(M * K, 1), b = randomArray(K * N, 2);
    const pa = pinnedCopy(a), pb = pinnedCopy(b), po = Tensor.pinned([M * N]);
    const out = new Float32Array(M * N);
    const slow = flops > 5e7; // the naive loop at ~1.7 GFLOP/s: keep its share of the budget small
    for (const layout of ["NN", "NT"] as const) {
      const [ref, js, fast] = layout === "NN" ? [matmulReference, matmulJs, matmul] : [matmulTransBReference, matmulTransBJs, matmulTransB];
      const naive = flops / bestTime(() => ref(a, b, M, K, N, out), slow ? 0 : 0.2, slow ? 2 : 3) / 1e9;
      const jsRate = flops / bestTime(() => js(a, b, M, K, N, out), slow ? 0.3 : 0.2) / 1e9;
      let pinned = NaN, unpinned = NaN;
      if (wasmAvailable) {
        pinned = flops / bestTime(() => fast(pa.data, pb.data, M, K, N, po.data)) / 1e9;
        if (M === 1) unpinned = flops / bestTime(() => fast(a, b, M, K, N, out)) / 1e9;
      }
      const shape = `${M}×${K}·${K}×${N}`;
      console.log(
        `| ${shape} | ${layout} | ${fmt(naive)} | ${fmt(jsRate)} | ${wasmAvailable ? fmt(pinned) : "n/a"} | ${M === 1 && wasmAvailable ? fmt(unpinned) : ""} | ${wasmAvailable ? fmt(pinned / naive) + "×" : ""} |`,
      );
    }
    for (const t of [pa, pb, po]) t.dispose();
  }
  console.log("");
}

function benchNorms(): void {
  console.log("### row kernels, GB/s (bytes read + written / time)\n");
  console.log("| kernel | [rows, cols] | reference | JS | WASM pinned | WASM unpinned |");
  console.log("|---|---|---:|---:|---:|---:|");
  for (const [rows, cols] of [[80, 128], [1, 32002]] as const) {
    const n = rows * cols;
    const x = randomArray(n, 3), w = randomArray(cols, 4), bias = randomArray(cols, 5);
    const out = new Float32Array(n);
    const px = pinnedCopy(x), pw = pinnedCopy(w), pbias = pinnedCopy(bias), po = Tensor.pinned([n]);
    const cases: { name: string; bytes: number; ref: () => void; run: (pinned: boolean) => void }[] = [
      {
        name: "softmax", bytes: 8 * n,
        ref: () => softmaxReference(x, rows, cols, out),
        run: (p) => (p ? softmax(px.data, rows, cols, po.data) : softmax(x, rows, cols, out)),
      },
      {
        name: "rmsNorm", bytes: 8 * n + 4 * cols,
        ref: () => rmsNormReference(x, w, rows, cols, 1e-5, out),
        run: (p) => (p ? rmsNorm(px.data, pw.data, rows, cols, 1e-5, po.data) : rmsNorm(x, w, rows, cols, 1e-5, out)),
      },
      {
        name: "layerNorm", bytes: 8 * n + 8 * cols,
        ref: () => layerNormReference(x, w, bias, rows, cols, 1e-5, out),
        run: (p) =>
          p ? layerNorm(px.data, pw.data, pbias.data, rows, cols, 1e-5, po.data) : layerNorm(x, w, bias, rows, cols, 1e-5, out),
      },
    ];
    for (const c of cases) {
      const gbs = (seconds: number) => fmt(c.bytes / seconds / 1e9);
      const ref = gbs(bestTime(c.ref, 0.15));
      const previous = setWasmEnabled(false);
      const js = gbs(bestTime(() => c.run(false), 0.15));
      setWasmEnabled(previous);
      const pinned = wasmAvailable ? gbs(bestTime(() => c.run(true), 0.15)) : "n/a";
      const unpinned = wasmAvailable ? gbs(bestTime(() => c.run(false), 0.15)) : "n/a";
      console.log(`| ${c.name} | [${rows}, ${cols}] | ${ref} | ${js} | ${pinned} | ${unpinned} |`);
    }
    for (const t of [px, pw, pbias, po]) t.dispose();
  }
  console.log("");
}

const which = process.argv[2];
console.log(`WASM SIMD: ${wasmAvailable ? "on" : `off (${wasmUnavailableReason})`}; node ${process.version}\n`);
warmUp();
if (which === undefined || which === "matmul") benchMatmul();
if (which === undefined || which === "norms") benchNorms();
