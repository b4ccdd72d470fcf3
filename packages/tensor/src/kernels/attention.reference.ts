import type { AttentionArgs } from "./attention.js";

/**
 * The readable loop attention.ts is tested against (float64 sums, Math.exp): for each query row i
 * (position p = position + i) and head h, over the keys j it sees (lo ≤ j ≤ p, lo = p − window + 1
 * with a window), softmax(scale·q·k_j) · V. Key/value j of kv head kh = ⌊h / (nHeads / nKvHeads)⌋
 * is read at blocks[⌊j / blockSize⌋] + (kh·blockSize + j mod blockSize)·headDim.
 */
export function attentionReference(a: AttentionArgs): Float32Array {
  const { q, nQ, position, nHeads, nKvHeads, headDim: hd, keys, values, blockSize: bs, blocks, scale } = a;
  const out = a.out ?? new Float32Array(nQ * nHeads * hd);
  const group = nHeads / nKvHeads;
  const at = (j: number, kh: number): number => blocks[Math.floor(j / bs)]! + (kh * bs + (j % bs)) * hd;
  for (let i = 0; i < nQ; i++) {
    const p = position + i;
    const lo = a.window ? Math.max(0, p - a.window + 1) : 0;
    for (let h = 0; h < nHeads; h++) {
      const kh = Math.floor(h / group);
      const qo = (i * nHeads + h) * hd;
      const s: number[] = [];
      for (let j = lo; j <= p; j++) {
        let d = 0;
        for (let c = 0; c < hd; c++) d += q[qo + c]! * keys[at(j, kh) + c]!;
        s.push(scale * d);
      }
      const m = Math.max(...s);
      const e = s.map((x) => Math.exp(x - m));
      const sum = e.reduce((x, y) => x + y, 0);
      for (let c = 0; c < hd; c++) {
        let acc = 0;
        for (let j = lo; j <= p; j++) acc += e[j - lo]! * values[at(j, kh) + c]!;
        out[qo + c] = acc / sum;
      }
    }
  }
  return out;
}
