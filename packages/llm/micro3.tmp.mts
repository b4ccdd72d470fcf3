import { Tensor, kernels } from "@mini/tensor";
function time(name: string, reps: number, f: () => void) { for (let i = 0; i < 3; i++) f(); let best = Infinity; for (let r = 0; r < 9; r++) { const t = performance.now(); for (let i = 0; i < reps; i++) f(); best = Math.min(best, (performance.now() - t) / reps); } return best; }
const x = Tensor.pinned([128 * 2048]).data, w = Tensor.pinned([2048 * 2048]).data, out = Tensor.pinned([128 * 2048]).data;
for (let i = 0; i < x.length; i++) x[i] = Math.random(); for (let i = 0; i < w.length; i++) w[i] = Math.random() * 0.01;
for (const [M, K, N] of [[128,128,128],[128,128,256],[128,128,320],[128,128,384],[128,128,448],[128,128,512],[128,128,1024],[128,384,128],[128,256,128],[128,512,128], [64,128,384],[128,128,380]]) {
  const s = time("", 5, () => kernels.matmulTransB(x, w, M, K, N, out)) / 1000;
  console.log(`${M}x${K}x${N}`.padEnd(14), (s * 1e6).toFixed(0).padStart(6), "us", (2 * M * K * N / s / 1e9).toFixed(1).padStart(6), "GFLOP/s");
}
