import { Tensor, kernels } from "@mini/tensor";
import { fastExp } from "./src/models/llama/fast-exp.ts";
import { RopeTable } from "./src/models/llama/rope-table.ts";
function time(name: string, reps: number, f: () => void) { for (let i = 0; i < 5; i++) f(); let best = Infinity; for (let r = 0; r < 7; r++) { const t = performance.now(); for (let i = 0; i < reps; i++) f(); best = Math.min(best, (performance.now() - t) / reps); } console.log(name.padEnd(40), (best * 1000).toFixed(1), "us"); }
const n = 128, g = 2, hd = 16, L = 128, rows = g * n;
const scores = Tensor.pinned([rows * L]).data; const q = Tensor.pinned([rows * hd]).data; const k = Tensor.pinned([L * hd]).data; const v = Tensor.pinned([L*hd]).data; const o = Tensor.pinned([rows*hd]).data;
q.fill(0.1); k.fill(0.1); v.fill(0.2);
function masked(scores: Float32Array, rows: number, L: number, n: number, offset: number) {
  for (let r = 0; r < rows; r++) { const base = r * L; const hi = offset + (r % n); const lo = 0;
    let max = -Infinity; for (let j = lo; j <= hi; j++) if (scores[base + j]! > max) max = scores[base + j]!;
    let sum = 0; for (let j = lo; j <= hi; j++) { const e = fastExp(scores[base + j]! - max); scores[base + j] = e; sum += e; }
    const inv = 1 / sum; for (let j = lo; j <= hi; j++) scores[base + j]! *= inv; for (let j = hi + 1; j < L; j++) scores[base + j] = 0; } }
time("scores matmulTransB 256x16x128", 50, () => kernels.matmulTransB(q, k, rows, hd, L, scores, 0.25));
time("maskedSoftmax 256x128", 50, () => masked(scores, rows, L, n, 0));
time("kernels.softmax causal 256x128", 50, () => kernels.softmax(scores, rows, L, scores, { offset: 0, period: n }));
time("PV matmul 256x128x16", 50, () => kernels.matmul(scores, v, rows, L, hd, o));
const hb = new Float32Array(128 * 384).map(() => Math.random() * 4 - 2), hb2 = hb.slice();
time("silu fast 128x384", 50, () => { for (let i = 0; i < hb.length; i++) { const x = hb2[i]!; hb[i] = x / (1 + fastExp(-x)) * hb2[i]!; } });
time("silu Math.exp 128x384", 50, () => { for (let i = 0; i < hb.length; i++) { const x = hb2[i]!; hb[i] = x / (1 + Math.exp(-x)) * hb2[i]!; } });
const rope = new RopeTable(16, 512, 10000); const qq = new Float32Array(128 * 128), qT = new Float32Array(128*128);
time("rope q 128 tok x 8 heads", 50, () => { for (let t = 0; t < 128; t++) rope.rotate(qq, t * 128, qT, t * 16, 128 * 16, 8, t); });
const x = Tensor.pinned([128*128]).data, w = Tensor.pinned([384*128]).data, out = Tensor.pinned([128*384]).data;
time("gemm 128x128x384", 20, () => kernels.matmulTransB(x, w, 128, 128, 384, out));
time("gemm 128x128x128", 20, () => kernels.matmulTransB(x, w, 128, 128, 128, out));
time("gemm 128x384x128", 20, () => kernels.matmulTransB(out, w, 128, 384, 128, x));
time("gemv 1x128x384", 200, () => kernels.matmulTransB(x, w, 1, 128, 384, out));
time("gemv 1x128x64", 200, () => kernels.matmulTransB(x, w, 1, 128, 64, out));
time("decode scores 2x16x200", 200, () => kernels.matmulTransB(q, k, 2, 16, 128, scores, 0.25));
time("decode PV 2x200x16", 200, () => kernels.matmul(scores, v, 2, 128, 16, o));
