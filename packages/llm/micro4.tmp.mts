import { Tensor, kernels } from "@mini/tensor";
const { matmul, matmulTransB } = kernels;
function bestOf(f: () => void, reps: number) { let best = Infinity; for (let r = 0; r < 25; r++) { const t = performance.now(); for (let i = 0; i < reps; i++) f(); best = Math.min(best, (performance.now() - t) / reps); } return best * 1000; }
for (const [g, hd, L] of [[2, 16, 300], [3, 26, 300], [2, 16, 40], [3, 26, 40]]) {
  const q = Tensor.pinned([g * hd]).data, K = Tensor.pinned([512 * hd]).data, V = Tensor.pinned([512 * hd]).data, s = Tensor.pinned([g * 512]).data, o = Tensor.pinned([g * hd]).data;
  for (const a of [q, K, V]) for (let i = 0; i < a.length; i++) a[i] = Math.random();
  const qh = Array.from({ length: g }, (_, h) => q.subarray(h * hd, (h + 1) * hd)), sh = Array.from({ length: g }, (_, h) => s.subarray(h * L, (h + 1) * L)), oh = Array.from({ length: g }, (_, h) => o.subarray(h * hd, (h + 1) * hd));
  const A = () => { matmulTransB(q, K, g, hd, L, s, 0.25); matmul(s, V, g, L, hd, o); };
  const B = () => { for (let h = 0; h < g; h++) matmulTransB(qh[h]!, K, 1, hd, L, sh[h]!, 0.25); for (let h = 0; h < g; h++) matmul(sh[h]!, V, 1, L, hd, oh[h]!); };
  const Cjs = () => { for (let h = 0; h < g; h++) { const qo = h * hd, so = h * L; for (let j = 0; j < L; j++) { let d = 0; const ko = j * hd; for (let i = 0; i < hd; i++) d += q[qo + i]! * K[ko + i]!; s[so + j] = d * 0.25; } }
    for (let h = 0; h < g; h++) { const oo = h * hd, so = h * L; for (let i = 0; i < hd; i++) o[oo + i] = 0; for (let j = 0; j < L; j++) { const p = s[so + j]!, vo = j * hd; for (let i = 0; i < hd; i++) o[oo + i] += p * V[vo + i]!; } } };
  for (let i = 0; i < 200; i++) { A(); B(); Cjs(); }
  const res: string[] = [];
  for (let round = 0; round < 2; round++) res.push(`A ${bestOf(A, 50).toFixed(2)} B ${bestOf(B, 50).toFixed(2)} JS ${bestOf(Cjs, 50).toFixed(2)}`);
  console.log(`g=${g} hd=${hd} L=${L}:`, res.join(" | "), "us");
}
