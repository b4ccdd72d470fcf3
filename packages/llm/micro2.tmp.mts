import { Tensor, kernels } from "@mini/tensor";
function time(name: string, reps: number, f: () => void) { for (let i = 0; i < 3; i++) f(); let best = Infinity; for (let r = 0; r < 15; r++) { const t = performance.now(); for (let i = 0; i < reps; i++) f(); best = Math.min(best, (performance.now() - t) / reps); } console.log(name.padEnd(40), (best * 1000).toFixed(1), "us"); return best; }
const H = 312, I = 1092, q = 312, kv = 104;
const x = Tensor.pinned([128 * 1092]).data, w = Tensor.pinned([2 * I * H]).data, out = Tensor.pinned([128 * 2 * I]).data;
for (let i = 0; i < x.length; i++) x[i] = Math.random(); for (let i = 0; i < w.length; i++) w[i] = Math.random() * 0.01;
const a = time("sep q,k,v 128", 3, () => { kernels.matmulTransB(x, w, 128, H, q, out); kernels.matmulTransB(x, w, 128, H, kv, out); kernels.matmulTransB(x, w, 128, H, kv, out); });
const b = time("fused qkv 128", 3, () => { kernels.matmulTransB(x, w, 128, H, q + 2 * kv, out); });
time("sep gate,up 128", 3, () => { kernels.matmulTransB(x, w, 128, H, I, out); kernels.matmulTransB(x, w, 128, H, I, out); });
time("fused gateup 128", 3, () => { kernels.matmulTransB(x, w, 128, H, 2 * I, out); });
time("down 128", 3, () => { kernels.matmulTransB(x, w, 128, I, H, out); });
time("sep q,k,v 1", 30, () => { kernels.matmulTransB(x, w, 1, H, q, out); kernels.matmulTransB(x, w, 1, H, kv, out); kernels.matmulTransB(x, w, 1, H, kv, out); });
time("fused qkv 1", 30, () => { kernels.matmulTransB(x, w, 1, H, q + 2 * kv, out); });
time("sep gate,up 1", 30, () => { kernels.matmulTransB(x, w, 1, H, I, out); kernels.matmulTransB(x, w, 1, H, I, out); });
time("fused gateup 1", 30, () => { kernels.matmulTransB(x, w, 1, H, 2 * I, out); });
// story sizes
time("story sep q,k,v 1", 100, () => { kernels.matmulTransB(x, w, 1, 128, 128, out); kernels.matmulTransB(x, w, 1, 128, 64, out); kernels.matmulTransB(x, w, 1, 128, 64, out); });
time("story fused qkv 1", 100, () => { kernels.matmulTransB(x, w, 1, 128, 256, out); });
time("story sep q,k,v 128", 10, () => { kernels.matmulTransB(x, w, 128, 128, 128, out); kernels.matmulTransB(x, w, 128, 128, 64, out); kernels.matmulTransB(x, w, 128, 128, 64, out); });
time("story fused qkv 128", 10, () => { kernels.matmulTransB(x, w, 128, 128, 256, out); });
time("story gate,up 128", 10, () => { kernels.matmulTransB(x, w, 128, 128, 384, out); kernels.matmulTransB(x, w, 128, 128, 384, out); });
time("story fused gateup 128", 10, () => { kernels.matmulTransB(x, w, 128, 128, 768, out); });
time("story down 128", 10, () => { kernels.matmulTransB(x, w, 128, 384, 128, out); });
time("story o 128", 10, () => { kernels.matmulTransB(x, w, 128, 128, 128, out); });
time("story lmhead 1", 100, () => { kernels.matmulTransB(x, w, 1, 128, 2048, out); });
