import { Tensor, kernels } from "@mini/tensor";
function time(reps: number, f: () => void) { for (let i = 0; i < 2; i++) f(); let best = Infinity; for (let r = 0; r < 9; r++) { const t = performance.now(); for (let i = 0; i < reps; i++) f(); best = Math.min(best, (performance.now() - t) / reps); } return best; }
const x = Tensor.pinned([128 * 1092]).data, w = Tensor.pinned([2184 * 1092]).data, out = Tensor.pinned([128 * 2184]).data;
for (let i = 0; i < x.length; i++) x[i] = Math.random(); for (let i = 0; i < w.length; i++) w[i] = Math.random() * 0.01;
const shapes = process.argv.slice(2).map((s) => s.split("x").map(Number));
for (let round = 0; round < 2; round++) for (const [M, K, N] of shapes) {
  const s = time(3, () => kernels.matmulTransB(x, w, M!, K!, N!, out)) / 1000;
  console.log(`${M}x${K}x${N}`.padEnd(14), (s * 1e6).toFixed(0).padStart(6), "us", (2 * M! * K! * N! / s / 1e9).toFixed(1).padStart(6), "GFLOP/s");
}
