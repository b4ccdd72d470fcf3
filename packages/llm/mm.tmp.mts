import { Tensor, kernels } from "@mini/tensor";
const cases = [[1, 312, 32002], [1, 312, 1092], [1, 1092, 312], [128, 312, 1092], [128, 1092, 312], [128, 312, 312], [1, 128, 2048], [128,128,384]];
for (const [M, K, N] of cases) {
  const a = Tensor.pinned([M, K]); const b = Tensor.pinned([N, K]); const o = Tensor.pinned([M, N]);
  a.data.fill(0.01); b.data.fill(0.02);
  const ad = a.data, bd = b.data, od = o.data;
  const reps = Math.max(3, Math.floor(3e8 / (M * K * N)));
  for (let r = 0; r < 3; r++) kernels.matmulTransB(ad, bd, M, K, N, od);
  const t = performance.now();
  for (let r = 0; r < reps; r++) kernels.matmulTransB(ad, bd, M, K, N, od);
  const s = (performance.now() - t) / 1000 / reps;
  console.log(`${M}x${K}x${N}: ${(s * 1e6).toFixed(1)} us, ${(2 * M * K * N / s / 1e9).toFixed(2)} GFLOP/s, ${(N * K * 4 / s / 1e9).toFixed(2)} GB/s weights`);
}
