import { fastExp } from "./src/models/llama/fast-exp.ts";
const n = 128 * 1092; const g = new Float32Array(n), u = new Float32Array(n), o = new Float32Array(n);
for (let i = 0; i < n; i++) { g[i] = (Math.random() - 0.5) * 6; u[i] = Math.random(); }
const P2 = new Float64Array(301); for (let k = -150; k <= 150; k++) P2[k + 150] = Math.pow(2, k);
function a(hb: Float32Array, hb2: Float32Array, m: number) { for (let i = 0; i < m; i++) { const x = hb[i]!; hb[i] = (x / (1 + fastExp(-x))) * hb2[i]!; } }
function b(hb: Float32Array, hb2: Float32Array, m: number) { for (let i = 0; i < m; i++) { const x = hb[i]!; hb[i] = (x / (1 + Math.exp(-x))) * hb2[i]!; } }
function c(hb: Float32Array, hb2: Float32Array, m: number) {
  for (let i = 0; i < m; i++) {
    const x = hb[i]!;
    let t = -x * 1.4426950408889634;
    if (t < -126) t = -126; else if (t > 126) t = 126;
    const k = (t + 150.5) | 0;
    const f = -x - (k - 150) * 0.6931471805599453;
    const e = (1 + f * (1 + f * (0.5 + f * (0.16666666666666666 + f * (0.041666666666666664 + f * (0.008333333333333333 + f * (0.001388888888888889 + f * 0.0001984126984126984))))))) * P2[k]!;
    hb[i] = (x / (1 + e)) * hb2[i]!;
  }
}
function d(hb: Float32Array, hb2: Float32Array, m: number) { for (let i = 0; i < m; i++) { const x = hb[i]!; hb[i] = x * hb2[i]!; } }
const fs: Record<string, (a: Float32Array, b: Float32Array, m: number) => void> = { fast: a, mathexp: b, inline: c, mulonly: d };
const best: Record<string, number> = {};
for (let r = 0; r < 15; r++) for (const [k, f] of Object.entries(fs)) { o.set(g); const t = performance.now(); f(o, u, n); best[k] = Math.min(best[k] ?? 1e9, (performance.now() - t) * 1e6 / n); }
console.log(Object.entries(best).map(([k, v]) => `${k} ${v.toFixed(2)} ns`).join(", "));
function localExp(x: number): number {
  const t = x * 1.4426950408889634;
  if (t < -150) return 0;
  if (t > 150) return Infinity;
  const i = (t + 150.5) | 0;
  const f = x - (i - 150) * 0.6931471805599453;
  return (1 + f * (1 + f * (0.5 + f * (0.16666666666666666 + f * (0.041666666666666664 + f * (0.008333333333333333 + f * (0.001388888888888889 + f * 0.0001984126984126984))))))) * P2[i]!;
}
function localExp6(x: number): number {
  let t = x * 1.4426950408889634;
  if (t < -149) t = -149; else if (t > 149) t = 149;
  const i = (t + 150.5) | 0;
  const f = x - (i - 150) * 0.6931471805599453;
  return (1 + f * (1 + f * (0.5 + f * (0.16666666666666666 + f * (0.041666666666666664 + f * (0.008333333333333333 + f * 0.001388888888888889)))))) * P2[i]!;
}
function e(hb: Float32Array, hb2: Float32Array, m: number) { for (let i = 0; i < m; i++) { const x = hb[i]!; hb[i] = (x / (1 + localExp(-x))) * hb2[i]!; } }
function f6(hb: Float32Array, hb2: Float32Array, m: number) { for (let i = 0; i < m; i++) { const x = hb[i]!; hb[i] = (x / (1 + localExp6(-x))) * hb2[i]!; } }
const fs2: Record<string, (a: Float32Array, b: Float32Array, m: number) => void> = { fast: a, inline: c, local: e, local6: f6 };
const best2: Record<string, number> = {};
for (let r = 0; r < 25; r++) for (const [k, f] of Object.entries(fs2)) { o.set(g); const t = performance.now(); f(o, u, n); best2[k] = Math.min(best2[k] ?? 1e9, (performance.now() - t) * 1e6 / n); }
console.log(Object.entries(best2).map(([k, v]) => `${k} ${v.toFixed(2)} ns`).join(", "));
