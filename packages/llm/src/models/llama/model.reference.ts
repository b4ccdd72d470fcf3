/**
 * A deliberately naive Llama/Mistral forward for tests: recomputes the whole sequence from
 * scratch with plain loops in float64, token-major, one query head at a time, no cache, no
 * chunks, no shared buffers and no kernels from @mini/tensor. It shares nothing with model.ts but
 * the weights, so a bug in the fast path (cache layout, GQA mapping, masking, the sliding window,
 * chunking) shows up as a difference. Slow: O(n²) attention and O(n·params) float64 work.
 */
import type { LlamaConfig } from "./config.js";
import type { LlamaWeights } from "./weights.js";

/** Logits of every position: [n, vocab], row-major. */
export function llamaForwardReference(c: LlamaConfig, w: LlamaWeights, tokens: readonly number[]): Float64Array {
  const n = tokens.length;
  const H = c.hiddenSize;
  const hd = c.headDim;
  const group = c.numHeads / c.numKvHeads;

  // x[t]: the residual stream of position t.
  const embed = w.embed.data;
  const x: Float64Array[] = tokens.map((id) => Float64Array.from(embed.subarray(id * H, (id + 1) * H)));

  for (const layer of w.layers) {
    const xn = x.map((row) => rmsNormRef(row, layer.attnNorm.data, c.rmsNormEps));
    const q = xn.map((row) => linearRef(row, layer.wq.data, c.numHeads * hd));
    const k = xn.map((row) => linearRef(row, layer.wk.data, c.numKvHeads * hd));
    const v = xn.map((row) => linearRef(row, layer.wv.data, c.numKvHeads * hd));
    for (let t = 0; t < n; t++) {
      for (let h = 0; h < c.numHeads; h++) ropeRef(q[t]!, h * hd, hd, t, c.ropeTheta);
      for (let h = 0; h < c.numKvHeads; h++) ropeRef(k[t]!, h * hd, hd, t, c.ropeTheta);
    }
    for (let t = 0; t < n; t++) {
      const att = new Float64Array(c.numHeads * hd);
      for (let h = 0; h < c.numHeads; h++) {
        const kvh = Math.floor(h / group); // query head h reads kv head h / group (HF repeat_kv)
        // Visible keys: s ≤ t, and with a sliding window s > t − window.
        const visible: number[] = [];
        for (let s = 0; s <= t; s++) if (c.slidingWindow === null || s > t - c.slidingWindow) visible.push(s);
        const scores = visible.map((s) => {
          let dot = 0;
          for (let i = 0; i < hd; i++) dot += q[t]![h * hd + i]! * k[s]![kvh * hd + i]!;
          return dot / Math.sqrt(hd);
        });
        const max = Math.max(...scores);
        const e = scores.map((sc) => Math.exp(sc - max));
        const sum = e.reduce((a, b) => a + b, 0);
        visible.forEach((s, j) => {
          for (let i = 0; i < hd; i++) att[h * hd + i] += (e[j]! / sum) * v[s]![kvh * hd + i]!;
        });
      }
      const o = linearRef(att, layer.wo.data, H);
      for (let i = 0; i < H; i++) x[t]![i] += o[i]!;
    }
    for (let t = 0; t < n; t++) {
      const xm = rmsNormRef(x[t]!, layer.mlpNorm.data, c.rmsNormEps);
      const gate = linearRef(xm, layer.wGate.data, c.intermediateSize);
      const up = linearRef(xm, layer.wUp.data, c.intermediateSize);
      const h = gate.map((g, i) => (g / (1 + Math.exp(-g))) * up[i]!);
      const d = linearRef(h, layer.wDown.data, H);
      for (let i = 0; i < H; i++) x[t]![i] += d[i]!;
    }
  }

  const logits = new Float64Array(n * c.vocabSize);
  for (let t = 0; t < n; t++) {
    logits.set(linearRef(rmsNormRef(x[t]!, w.finalNorm.data, c.rmsNormEps), w.lmHead.data, c.vocabSize), t * c.vocabSize);
  }
  return logits;
}

function rmsNormRef(x: Float64Array, weight: Float32Array, eps: number): Float64Array {
  let ss = 0;
  for (const v of x) ss += v * v;
  const s = 1 / Math.sqrt(ss / x.length + eps);
  return x.map((v, i) => v * s * weight[i]!);
}

/** y = W·x for W stored [out, in] (HF Linear). */
function linearRef(x: Float64Array, w: Float32Array, outDim: number): Float64Array {
  const inDim = x.length;
  const y = new Float64Array(outDim);
  for (let o = 0; o < outDim; o++) {
    let s = 0;
    for (let i = 0; i < inDim; i++) s += w[o * inDim + i]! * x[i]!;
    y[o] = s;
  }
  return y;
}

/** HF rotate_half RoPE of one head vector in place: pairs (i, i + hd/2). */
function ropeRef(x: Float64Array, off: number, hd: number, pos: number, theta: number): void {
  const half = hd / 2;
  for (let i = 0; i < half; i++) {
    const angle = pos * Math.pow(theta, (-2 * i) / hd);
    const a = x[off + i]!;
    const b = x[off + i + half]!;
    x[off + i] = a * Math.cos(angle) - b * Math.sin(angle);
    x[off + i + half] = b * Math.cos(angle) + a * Math.sin(angle);
  }
}
