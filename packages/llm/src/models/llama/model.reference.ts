/**
 * A deliberately naive forward of the Llama family (Llama 2/3.x, Mistral, Qwen2/2.5, Qwen3,
 * Mixtral) for tests: recomputes the whole sequence from scratch with plain loops in float64,
 * token-major, one query head at a time, no cache, no chunks, no shared buffers and no kernels
 * from @mini/tensor. It reads the weights by their HF names and computes every family feature
 * from the config's fields by its own code (the llama3 / linear / yarn frequency remaps and YaRN's
 * cos/sin factor, the router's softmax → top-k → renormalise done literally as transformers does),
 * so it shares nothing with model.ts:
 * a bug in the fast path (cache layout, GQA mapping, masking, windows, chunking, biases, q/k
 * norms, expert grouping) shows up as a difference. Slow: O(n²) attention, O(n·params) float64.
 */
import type { LlamaConfig } from "./config.js";

/** A weight by HF name (e.g. "model.layers.0.self_attn.q_proj.weight"), row-major as stored. */
export type WeightLookup = (name: string) => Float32Array;

export interface ReferenceOptions {
  /** Called with the experts each token is routed to in each MoE layer (descending weight). */
  onRoute?: (layer: number, token: number, experts: readonly number[]) => void;
}

/** Logits of every position: [n, vocab], row-major. */
export function llamaForwardReference(c: LlamaConfig, weight: WeightLookup, tokens: readonly number[], opts: ReferenceOptions = {}): Float64Array {
  const n = tokens.length;
  const H = c.hiddenSize;
  const hd = c.headDim;
  const group = c.numHeads / c.numKvHeads;
  const { invFreq, scale: ropeScale } = referenceRope(c);

  // x[t]: the residual stream of position t. Tied embeddings may be stored under either name.
  let embed: Float32Array;
  try {
    embed = weight("model.embed_tokens.weight");
  } catch (e) {
    if (!c.tieWordEmbeddings) throw e;
    embed = weight("lm_head.weight");
  }
  const x: Float64Array[] = tokens.map((id) => Float64Array.from(embed.subarray(id * H, (id + 1) * H)));

  for (let l = 0; l < c.numLayers; l++) {
    const p = `model.layers.${l}.`;
    const attn = `${p}self_attn.`;
    const bias = (proj: string, on: boolean) => (on ? weight(`${attn}${proj}.bias`) : null);
    const xn = x.map((row) => rmsNormRef(row, weight(`${p}input_layernorm.weight`), c.rmsNormEps));
    const q = xn.map((row) => linearRef(row, weight(`${attn}q_proj.weight`), c.numHeads * hd, bias("q_proj", c.qkvBias)));
    const k = xn.map((row) => linearRef(row, weight(`${attn}k_proj.weight`), c.numKvHeads * hd, bias("k_proj", c.qkvBias)));
    const v = xn.map((row) => linearRef(row, weight(`${attn}v_proj.weight`), c.numKvHeads * hd, bias("v_proj", c.qkvBias)));
    for (let t = 0; t < n; t++) {
      if (c.qkNorm) {
        for (let h = 0; h < c.numHeads; h++) headNormRef(q[t]!, h * hd, hd, weight(`${attn}q_norm.weight`), c.rmsNormEps);
        for (let h = 0; h < c.numKvHeads; h++) headNormRef(k[t]!, h * hd, hd, weight(`${attn}k_norm.weight`), c.rmsNormEps);
      }
      for (let h = 0; h < c.numHeads; h++) ropeRef(q[t]!, h * hd, hd, t, invFreq, ropeScale);
      for (let h = 0; h < c.numKvHeads; h++) ropeRef(k[t]!, h * hd, hd, t, invFreq, ropeScale);
    }
    const window = c.slidingWindow !== null && c.slidingLayers[l] ? c.slidingWindow : null;
    for (let t = 0; t < n; t++) {
      const att = new Float64Array(c.numHeads * hd);
      for (let h = 0; h < c.numHeads; h++) {
        const kvh = Math.floor(h / group); // query head h reads kv head h / group (HF repeat_kv)
        // Visible keys: s ≤ t, and with a sliding window s > t − window.
        const visible: number[] = [];
        for (let s = 0; s <= t; s++) if (window === null || s > t - window) visible.push(s);
        const scores = visible.map((s) => {
          let dot = 0;
          for (let i = 0; i < hd; i++) dot += q[t]![h * hd + i]! * k[s]![kvh * hd + i]!;
          return dot / Math.sqrt(hd);
        });
        const e = softmaxRef(scores);
        visible.forEach((s, j) => {
          for (let i = 0; i < hd; i++) att[h * hd + i] += e[j]! * v[s]![kvh * hd + i]!;
        });
      }
      const o = linearRef(att, weight(`${attn}o_proj.weight`), H, bias("o_proj", c.oBias));
      for (let i = 0; i < H; i++) x[t]![i] += o[i]!;
    }
    for (let t = 0; t < n; t++) {
      const xm = rmsNormRef(x[t]!, weight(`${p}post_attention_layernorm.weight`), c.rmsNormEps);
      const route = (experts: readonly number[]) => opts.onRoute?.(l, t, experts);
      const d = c.moe === null ? swigluMlpRef(xm, weight, `${p}mlp.`, "gate_proj", "up_proj", "down_proj", c.intermediateSize) : moeRef(xm, weight, c, p, route);
      for (let i = 0; i < H; i++) x[t]![i] += d[i]!;
    }
  }

  const logits = new Float64Array(n * c.vocabSize);
  const head = c.tieWordEmbeddings ? embed : weight("lm_head.weight");
  for (let t = 0; t < n; t++) {
    logits.set(linearRef(rmsNormRef(x[t]!, weight("model.norm.weight"), c.rmsNormEps), head, c.vocabSize), t * c.vocabSize);
  }
  return logits;
}

/** down(silu(gate·x) ⊙ up·x), the names under `prefix` (HF dense MLP, or one Mixtral expert's w1/w3/w2). */
function swigluMlpRef(x: Float64Array, weight: WeightLookup, prefix: string, gate: string, up: string, down: string, I: number): Float64Array {
  const g = linearRef(x, weight(`${prefix}${gate}.weight`), I);
  const u = linearRef(x, weight(`${prefix}${up}.weight`), I);
  const h = g.map((a, i) => (a / (1 + Math.exp(-a))) * u[i]!);
  return linearRef(h, weight(`${prefix}${down}.weight`), x.length);
}

/**
 * Mixtral's block_sparse_moe as transformers writes it: probabilities = softmax(gate·x) over all
 * experts; the top k of them; divided by their sum; the weighted sum of those experts' MLPs.
 */
function moeRef(x: Float64Array, weight: WeightLookup, c: LlamaConfig, layerPrefix: string, route: (experts: number[]) => void): Float64Array {
  const moe = c.moe!;
  const prefix = `${layerPrefix}block_sparse_moe.`;
  const probs = softmaxRef([...linearRef(x, weight(`${prefix}gate.weight`), moe.numExperts)]);
  const order = probs.map((pr, e) => ({ pr, e })).sort((a, b) => b.pr - a.pr || a.e - b.e);
  const chosen = order.slice(0, moe.topK);
  route(chosen.map(({ e }) => e));
  const total = chosen.reduce((s, { pr }) => s + pr, 0);
  const out = new Float64Array(x.length);
  for (const { pr, e } of chosen) {
    const y = swigluMlpRef(x, weight, `${prefix}experts.${e}.`, "w1", "w3", "w2", c.intermediateSize);
    for (let i = 0; i < out.length; i++) out[i] += (pr / total) * y[i]!;
  }
  return out;
}

/**
 * inv_freq_i = θ^(−2i/d), remapped by the config's rope_scaling (llama3, linear, yarn, or a GGUF
 * file's factors), and the factor on cos and sin (YaRN's attention factor, else 1). transformers
 * computes inv_freq in float32 (even for a float64 model), so the base frequencies and the result
 * are rounded to float32 as there; the remap itself is float64, written from the formulas.
 */
function referenceRope(c: LlamaConfig): { invFreq: Float64Array; scale: number } {
  const f = Math.fround;
  const d = c.headDim;
  const half = d / 2;
  const inv = new Float64Array(half);
  const s = c.ropeScaling;
  // YaRN: pairs below `low` (more than beta_fast turns over the original context) keep their
  // frequency, pairs above `high` (fewer than beta_slow turns) are divided by factor, a linear
  // ramp in the pair index between.
  let low = 0;
  let high = 0;
  if (s?.type === "yarn") {
    const pairTurning = (turns: number) => (d * Math.log(s.originalMaxPositionEmbeddings / (2 * Math.PI * turns))) / (2 * Math.log(c.ropeTheta));
    low = Math.max(s.truncate ? Math.floor(pairTurning(s.betaFast)) : pairTurning(s.betaFast), 0);
    high = Math.min(s.truncate ? Math.ceil(pairTurning(s.betaSlow)) : pairTurning(s.betaSlow), d - 1);
    if (high === low) high += 0.001;
  }
  for (let i = 0; i < half; i++) {
    const base = f(1 / f(Math.pow(f(c.ropeTheta), f((2 * i) / d))));
    if (s === null) inv[i] = base;
    else if (s.type === "factors") inv[i] = base / s.factors[i]!;
    else if (s.type === "linear") inv[i] = base / s.factor;
    else if (s.type === "yarn") {
      const interpolated = Math.min(1, Math.max(0, (i - low) / (high - low))); // 0 below low, 1 above high
      inv[i] = (base / s.factor) * interpolated + base * (1 - interpolated);
    } else {
      const wavelen = (2 * Math.PI) / base;
      const L = s.originalMaxPositionEmbeddings;
      if (wavelen < L / s.highFreqFactor) inv[i] = base;
      else if (wavelen > L / s.lowFreqFactor) inv[i] = base / s.factor;
      else {
        const smooth = (L / wavelen - s.lowFreqFactor) / (s.highFreqFactor - s.lowFreqFactor);
        inv[i] = (1 - smooth) * (base / s.factor) + smooth * base;
      }
    }
    inv[i] = f(inv[i]!);
  }
  return { invFreq: inv, scale: s?.type === "yarn" ? s.attentionFactor : 1 };
}

function softmaxRef(scores: readonly number[]): number[] {
  const max = Math.max(...scores);
  const e = scores.map((sc) => Math.exp(sc - max));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
}

function rmsNormRef(x: Float64Array, weight: Float32Array, eps: number): Float64Array {
  let ss = 0;
  for (const v of x) ss += v * v;
  const s = 1 / Math.sqrt(ss / x.length + eps);
  return x.map((v, i) => v * s * weight[i]!);
}

/** RMSNorm of x[off … off + hd) in place (Qwen3's per-head q/k norm). */
function headNormRef(x: Float64Array, off: number, hd: number, weight: Float32Array, eps: number): void {
  const normed = rmsNormRef(x.slice(off, off + hd), weight, eps);
  x.set(normed, off);
}

/** y = W·x (+ b) for W stored [out, in] (HF Linear). */
function linearRef(x: Float64Array, w: Float32Array, outDim: number, b: Float32Array | null = null): Float64Array {
  const inDim = x.length;
  const y = new Float64Array(outDim);
  for (let o = 0; o < outDim; o++) {
    let s = b === null ? 0 : b[o]!;
    for (let i = 0; i < inDim; i++) s += w[o * inDim + i]! * x[i]!;
    y[o] = s;
  }
  return y;
}

/** HF rotate_half RoPE of one head vector in place: pairs (i, i + hd/2), angle pos·invFreq[i], cos and sin times `scale`. */
function ropeRef(x: Float64Array, off: number, hd: number, pos: number, invFreq: Float64Array, scale: number): void {
  const half = hd / 2;
  for (let i = 0; i < half; i++) {
    // transformers: angle = pos·inv_freq and its cos/sin (times attention_scaling) in float32, whatever the model's dtype
    const angle = Math.fround(pos * invFreq[i]!);
    const cos = Math.fround(Math.fround(Math.cos(angle)) * Math.fround(scale));
    const sin = Math.fround(Math.fround(Math.sin(angle)) * Math.fround(scale));
    const a = x[off + i]!;
    const b = x[off + i + half]!;
    x[off + i] = a * cos - b * sin;
    x[off + i + half] = b * cos + a * sin;
  }
}
