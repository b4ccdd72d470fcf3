import { Tensor, kernels } from "@mini/tensor";
function time(reps: number, f: () => void) { let best = Infinity; for (let r = 0; r < 7; r++) { const t = performance.now(); for (let i = 0; i < reps; i++) f(); best = Math.min(best, (performance.now() - t) / reps); } return best * 1000; }
const M = 128, K = 312, N = 1092;
const x = Tensor.pinned([M * K]).data, w = Tensor.pinned([N * K]).data, out = Tensor.pinned([M * N]).data;
for (let i = 0; i < x.length; i++) x[i] = Math.random(); for (let i = 0; i < w.length; i++) w[i] = Math.random() * 0.01;
const variants: Record<string, () => void> = { full: () => kernels.matmulTransB(x, w, M, K, N, out) };
for (const parts of [2, 3, 4, 6]) {
  const step = Math.ceil(N / parts); const ws: Float32Array[] = [], os: Float32Array[] = [], ns: number[] = [];
  for (let j = 0; j < N; j += step) { const nn = Math.min(step, N - j); ws.push(w.subarray(j * K, (j + nn) * K)); os.push(out.subarray(j * M, (j + nn) * M)); ns.push(nn); }
  variants[`split${parts}`] = () => { for (let p = 0; p < ws.length; p++) kernels.matmulTransB(x, ws[p]!, M, K, ns[p]!, os[p]!); };
}
for (const f of Object.values(variants)) f();
for (let round = 0; round < 3; round++) console.log(Object.entries(variants).map(([k, f]) => `${k} ${time(3, f).toFixed(0)}`).join("  "), "us");
