import { addMask, matmul, matmulTransB, reshape, rope, scale, softmax, transpose, type Variable } from "@mini/autograd";
import { RopeTable, Tensor, type RopeFrequencyFn, type RopeStyle } from "@mini/tensor";
import { ConfigError } from "../errors.js";
import type { Init } from "../init.js";
import { Module, at } from "../module.js";
import type { ParamSource } from "../param-source.js";
import { Linear } from "./linear.js";
import { RMSNorm } from "./rms-norm.js";
import { asVariable, type Input } from "../input.js";

export interface AttentionConfig {
  dModel: number;
  nHeads: number;
  /** Key/value heads for grouped-query attention (default nHeads; must divide nHeads). */
  nKvHeads?: number;
  /** Per-head width (default dModel / nHeads). */
  headDim?: number;
  /** Biases on q/k/v projections (default false, as Llama; Qwen2 uses true). */
  qkvBias?: boolean;
  /** Apply o_proj to the concatenated heads (default true). Without it the output is [B, T, nHeads·headDim]. */
  outputProjection?: boolean;
  /** Bias on o_proj (default false). */
  outputBias?: boolean;
  /**
   * RMSNorm of each head's q and k over headDim, before RoPE (Qwen3): weights q_norm.weight and
   * k_norm.weight [headDim], shared by the heads. Default none.
   */
  qkNorm?: { eps: number } | null;
  /**
   * Rotary position embedding on q and k (HF rotate-half by default). `frequencies` replaces plain
   * RoPE's inv_freq (theta^(−2i/headDim)) with a scaled variant, e.g. llama3RopeFrequencies.
   */
  rope?: { theta: number; style?: RopeStyle; frequencies?: RopeFrequencyFn } | null;
  /** Mask future positions (default true). */
  causal?: boolean;
  /** Tensor names (defaults: HF's q_proj, k_proj, v_proj, o_proj). */
  names?: { q?: string; k?: string; v?: string; o?: string };
  /** Weight init of every projection (default: PyTorch's Linear init). */
  init?: Init;
}

export interface AttentionInputs {
  /** Right-padded batch: real tokens per sequence; keys at t ≥ lengths[b] are masked. */
  lengths?: ArrayLike<number>;
  /** Any padding pattern, HF attention_mask style: [B·T] values, 1 = real token, 0 = padding key. */
  keyMask?: ArrayLike<number>;
}

/**
 * Multi-head self-attention with optional causal mask, RoPE, grouped-query heads and a key
 * padding mask. x [B, T, dModel] (or [T, dModel]) → [B, T, dModel].
 *
 * Grouped-query attention without copying K/V: the G = nHeads/nKvHeads query heads that share a
 * KV head are stacked into one block of G·T rows, so scores are one batched matmul
 * [B, Hkv, G·T, hd]·[B, Hkv, T, hd]ᵀ, and the causal softmax masks with period T (row r is query
 * position r mod T). Head h uses KV head ⌊h/G⌋, as HF's repeat_kv.
 */
export class CausalSelfAttention extends Module {
  /** The ParamSource path this layer was built under (for error messages). */
  readonly path: string;
  readonly nHeads: number;
  readonly nKvHeads: number;
  readonly headDim: number;
  readonly q: Linear; // [nHeads·hd, dModel]
  readonly k: Linear; // [nKvHeads·hd, dModel]
  readonly v: Linear; // [nKvHeads·hd, dModel]
  readonly o: Linear | null; // [dModel, nHeads·hd]
  readonly qNorm: RMSNorm | null; // [hd]
  readonly kNorm: RMSNorm | null; // [hd]
  /** The cos/sin table (built once, grown with the longest sequence seen) and the pair layout. */
  readonly rope: { theta: number; style: RopeStyle; table: RopeTable } | null;
  readonly causal: boolean;

  constructor(
    ps: ParamSource,
    readonly cfg: AttentionConfig,
  ) {
    super();
    this.path = ps.prefix;
    const who = `CausalSelfAttention ${at(ps.prefix)}`;
    const { dModel, nHeads } = cfg;
    if (!Number.isInteger(dModel) || dModel <= 0) throw new ConfigError(`${who}: dModel must be a positive integer, got ${dModel}`);
    if (!Number.isInteger(nHeads) || nHeads <= 0) throw new ConfigError(`${who}: nHeads must be a positive integer, got ${nHeads}`);
    this.nHeads = nHeads;
    this.nKvHeads = cfg.nKvHeads ?? nHeads;
    if (!Number.isInteger(this.nKvHeads) || this.nKvHeads <= 0 || nHeads % this.nKvHeads !== 0) {
      throw new ConfigError(`${who}: nKvHeads must be a positive divisor of nHeads=${nHeads}, got ${cfg.nKvHeads}`);
    }
    if (cfg.headDim === undefined && dModel % nHeads !== 0) {
      throw new ConfigError(`${who}: dModel=${dModel} is not divisible by nHeads=${nHeads}; pass headDim explicitly`);
    }
    this.headDim = cfg.headDim ?? dModel / nHeads;
    if (!Number.isInteger(this.headDim) || this.headDim <= 0) throw new ConfigError(`${who}: headDim must be a positive integer, got ${cfg.headDim}`);
    if (cfg.rope && (this.headDim % 2 !== 0 || !(cfg.rope.theta > 0))) {
      throw new ConfigError(`${who}: RoPE needs an even headDim and theta > 0, got headDim=${this.headDim}, theta=${cfg.rope.theta}`);
    }
    this.rope = cfg.rope
      ? { theta: cfg.rope.theta, style: cfg.rope.style ?? "half", table: new RopeTable(this.headDim, cfg.rope.frequencies ?? cfg.rope.theta) }
      : null;
    this.causal = cfg.causal ?? true;
    const names = { q: "q_proj", k: "k_proj", v: "v_proj", o: "o_proj", ...cfg.names };
    const qkv = { bias: cfg.qkvBias ?? false, ...(cfg.init ? { init: cfg.init } : {}) };
    const hd = this.headDim;
    this.q = new Linear(ps.pp(names.q), dModel, nHeads * hd, qkv);
    this.k = new Linear(ps.pp(names.k), dModel, this.nKvHeads * hd, qkv);
    this.v = new Linear(ps.pp(names.v), dModel, this.nKvHeads * hd, qkv);
    this.o =
      (cfg.outputProjection ?? true)
        ? new Linear(ps.pp(names.o), nHeads * hd, dModel, { bias: cfg.outputBias ?? false, ...(cfg.init ? { init: cfg.init } : {}) })
        : null;
    this.qNorm = cfg.qkNorm ? new RMSNorm(ps.pp("q_norm"), hd, { eps: cfg.qkNorm.eps }) : null;
    this.kNorm = cfg.qkNorm ? new RMSNorm(ps.pp("k_norm"), hd, { eps: cfg.qkNorm.eps }) : null;
  }

  override forward(input: Input, inputs: AttentionInputs = {}): Variable {
    const x = asVariable(input);
    if (x.shape.length === 2) return reshape(this.forward(reshape(x, [1, ...x.shape]), inputs), [x.shape[0]!, -1]);
    if (x.shape.length !== 3 || x.shape[2] !== this.cfg.dModel) {
      throw new RangeError(`CausalSelfAttention ${at(this.path)}: input must be [batch, seq, ${this.cfg.dModel}], got [${x.shape.join(", ")}]`);
    }
    const [B, T] = x.shape as [number, number, number];
    const H = this.nHeads;
    const Hkv = this.nKvHeads;
    const G = H / Hkv;
    const hd = this.headDim;

    let q = reshape(this.q.forward(x), [B, T, H, hd]);
    let k = reshape(this.k.forward(x), [B, T, Hkv, hd]);
    const v = transpose(reshape(this.v.forward(x), [B, T, Hkv, hd]), 1, 2); // [B, Hkv, T, hd]
    if (this.qNorm && this.kNorm) {
      q = this.qNorm.forward(q); // over the last axis: each head's hd values
      k = this.kNorm.forward(k);
    }
    if (this.rope) {
      q = rope(q, { table: this.rope.table, style: this.rope.style });
      k = rope(k, { table: this.rope.table, style: this.rope.style });
    }
    // q: [B, H, T, hd] = [B, Hkv, G·T, hd] (the G query heads of a KV head are consecutive)
    const qh = reshape(transpose(scale(q, 1 / Math.sqrt(hd)), 1, 2), [B, Hkv, G * T, hd]);
    const kh = transpose(k, 1, 2); // [B, Hkv, T, hd]
    let scores = matmulTransB(qh, kh); // [B, Hkv, G·T, T]
    const mask = this.paddingMask(B, T, inputs);
    if (mask) scores = addMask(scores, mask);
    const probs = softmax(scores, this.causal ? { causal: { offset: 0, period: T } } : {});
    const heads = reshape(matmul(probs, v), [B, H, T, hd]);
    const merged = reshape(transpose(heads, 1, 2), [B, T, H * hd]); // [B, T, H·hd]
    return this.o ? this.o.forward(merged) : merged;
  }

  /** Additive mask [B, 1, 1, T]: 0 for real keys, −∞ for padding (null when nothing is padded). */
  private paddingMask(B: number, T: number, inputs: AttentionInputs): Tensor | null {
    const who = `CausalSelfAttention ${at(this.path)}`;
    if (inputs.lengths && inputs.keyMask) throw new ConfigError(`${who}: pass lengths or keyMask, not both`);
    if (inputs.lengths) {
      const L = inputs.lengths;
      if (L.length !== B) throw new RangeError(`${who}: lengths has ${L.length} entries for a batch of ${B}`);
      const m = new Float32Array(B * T);
      for (let b = 0; b < B; b++) {
        const len = L[b]!;
        if (!Number.isInteger(len) || len < 0 || len > T) throw new RangeError(`${who}: lengths[${b}] = ${len} must be an integer in [0, ${T}]`);
        m.fill(-Infinity, b * T + len, (b + 1) * T);
      }
      return Tensor.from(m, [B, 1, 1, T]);
    }
    if (inputs.keyMask) {
      const km = inputs.keyMask;
      if (km.length !== B * T) throw new RangeError(`${who}: keyMask has ${km.length} entries, expected batch·seq = ${B}·${T} = ${B * T}`);
      const m = new Float32Array(B * T);
      for (let i = 0; i < B * T; i++) {
        if (km[i] !== 0 && km[i] !== 1) throw new RangeError(`${who}: keyMask[${i}] = ${km[i]} must be 0 (padding) or 1 (real token)`);
        if (km[i] === 0) m[i] = -Infinity;
      }
      return Tensor.from(m, [B, 1, 1, T]);
    }
    return null;
  }
}
