import { ShapeError } from "../errors.js";
import { needLength, outArray } from "./check.js";
import { useWasm } from "../wasm/instance.js";
import { wasmRope } from "../wasm/rope.js";

/**
 * Rotary position embedding (RoPE), the one home of it in mini: the frequencies, the cos/sin
 * table and the rotation kernel. The inference Llama, nn's attention and autograd's `rope` op
 * all use this file. Reference: rope.reference.ts; WASM SIMD rotation: wasm/rope.wat.
 *
 * For a head vector x of headDim values, pair i (i < headDim/2) at position p is rotated by the
 * angle p · inv_freq[i]:
 *   (a, b) → (a·cos − b·sin, b·cos + a·sin)
 * "half" pairs (i, i + headDim/2) as HF's rotate_half (HF Llama checkpoints need it);
 * "interleaved" pairs (2i, 2i + 1) (the original RoFormer / llama2.c layout).
 *
 * Arithmetic follows transformers (LlamaRotaryEmbedding) so logits match a PyTorch reference:
 * inv_freq in float32, angle = pos · inv_freq in float32, cos/sin of that rounded to float32
 * (times attention_scaling in float32, 1 for plain RoPE).
 */
export type RopeStyle = "half" | "interleaved";

/**
 * inv_freq of each rotated pair, as float32 [headDim/2]: HF's `rope_init_fn`. Plain RoPE is
 * `defaultRopeFrequencies(theta)`; a scaled variant (rope_scaling) is another function, and the
 * table and kernel do not change.
 */
export type RopeFrequencyFn = (headDim: number) => Float32Array;

const f32 = Math.fround;

/** inv_freq_i = 1 / theta^(2i/headDim) in float32 (HF `_compute_default_rope_parameters`). */
export function defaultRopeFrequencies(theta: number): RopeFrequencyFn {
  if (!(theta > 0) || !Number.isFinite(theta)) throw new ShapeError(`rope: theta must be a positive number, got ${theta}`);
  return (headDim) => {
    const inv = new Float32Array(headDim / 2);
    for (let i = 0; i < inv.length; i++) inv[i] = 1 / f32(Math.pow(f32(theta), f32((2 * i) / headDim)));
    return inv;
  };
}

/** rope_scaling {"rope_type": "linear", "factor"}: positions divided by factor (HF `_compute_linear_scaling_rope_parameters`). */
export function linearRopeFrequencies(theta: number, factor: number): RopeFrequencyFn {
  if (!(factor > 0) || !Number.isFinite(factor)) throw new ShapeError(`rope: linear scaling factor must be a positive number, got ${factor}`);
  const base = defaultRopeFrequencies(theta);
  return (headDim) => base(headDim).map((v) => v / f32(factor));
}

export interface Llama3RopeScaling {
  factor: number;
  lowFreqFactor: number;
  highFreqFactor: number;
  /** original_max_position_embeddings */
  originalMaxPositionEmbeddings: number;
}

/**
 * rope_scaling {"rope_type": "llama3", …} (HF `_compute_llama3_parameters`): wavelengths longer
 * than original/lowFreqFactor are slowed down by factor, shorter than original/highFreqFactor
 * kept, and those between interpolated smoothly. float32 throughout, as torch computes it
 * (`2π / inv_freq` is torch's `reciprocal(inv_freq) · 2π`; python scalars become float32).
 */
export function llama3RopeFrequencies(theta: number, s: Llama3RopeScaling): RopeFrequencyFn {
  const { factor, lowFreqFactor: lo, highFreqFactor: hi, originalMaxPositionEmbeddings: old } = s;
  for (const [name, v] of [["factor", factor], ["lowFreqFactor", lo], ["highFreqFactor", hi], ["originalMaxPositionEmbeddings", old]] as const) {
    if (!(v > 0) || !Number.isFinite(v)) throw new ShapeError(`rope: llama3 scaling ${name} must be a positive number, got ${v}`);
  }
  if (!(hi > lo)) throw new ShapeError(`rope: llama3 scaling needs highFreqFactor > lowFreqFactor, got ${hi} and ${lo}`);
  const base = defaultRopeFrequencies(theta);
  // Python floats (double), compared with float32 tensors as float32 scalars.
  const lowFreqWavelen = f32(old / lo);
  const highFreqWavelen = f32(old / hi);
  return (headDim) =>
    base(headDim).map((inv) => {
      const wavelen = f32(f32(1 / inv) * f32(2 * Math.PI));
      const scaled = wavelen > lowFreqWavelen ? f32(inv / f32(factor)) : inv;
      if (wavelen < highFreqWavelen || wavelen > lowFreqWavelen) return scaled;
      // old / wavelen is torch's reciprocal(wavelen) · old
      const smooth = f32(f32(f32(f32(1 / wavelen) * f32(old)) - f32(lo)) / f32(hi - lo));
      return f32(f32(f32(f32(1 - smooth) * scaled) / f32(factor)) + f32(smooth * scaled));
    });
}

/**
 * llama.cpp's per-pair frequency factors (GGUF tensor `rope_freqs.weight`, F32 [headDim/2]): pair i
 * turns at inv_freq_i = θ^(−2i/headDim) / factors[i] (ggml_rope_ext's freq_factors). This is how a
 * GGUF file carries Llama 3.x's rope_scaling: the converter stores llama3RopeFactors.
 */
export function factorRopeFrequencies(theta: number, factors: Float32Array): RopeFrequencyFn {
  for (let i = 0; i < factors.length; i++) {
    if (!(factors[i]! > 0) || !Number.isFinite(factors[i]!)) throw new ShapeError(`rope: frequency factor ${i} must be a positive number, got ${factors[i]}`);
  }
  const base = defaultRopeFrequencies(theta);
  return (headDim) => {
    if (factors.length !== headDim / 2) throw new ShapeError(`rope: ${factors.length} frequency factors for headDim ${headDim}, expected ${headDim / 2}`);
    return base(headDim).map((inv, i) => inv / factors[i]!);
  };
}

/**
 * The factors (1 / the llama3 remap of each pair) that llama.cpp's convert_hf_to_gguf.py stores
 * as `rope_freqs.weight` for rope_scaling "llama3": 1 where the frequency is kept, `factor` where
 * it is slowed down, 1 / ((1 − s)/factor + s) in the blended band; float64, rounded to float32.
 * factorRopeFrequencies of these is llama3RopeFrequencies up to float32 rounding in the blend.
 */
export function llama3RopeFactors(theta: number, s: Llama3RopeScaling, headDim: number): Float32Array {
  llama3RopeFrequencies(theta, s); // validates the parameters
  const { factor, lowFreqFactor: lo, highFreqFactor: hi, originalMaxPositionEmbeddings: old } = s;
  return Float32Array.from(defaultRopeFrequencies(theta)(headDim), (inv) => {
    const wavelen = (2 * Math.PI) / inv;
    if (wavelen < old / hi) return 1;
    if (wavelen > old / lo) return factor;
    const smooth = (old / wavelen - lo) / (hi - lo);
    return 1 / ((1 - smooth) / factor + smooth);
  });
}

/**
 * cos/sin of every (position, pair): [maxPos, headDim/2] each, computed once and grown (never
 * recomputed) when a later call reaches a farther position. Build one per model (or layer
 * config) and pass it to `rope`; a bare theta uses a shared table of plain RoPE.
 */
export class RopeTable {
  readonly half: number;
  /** inv_freq per pair: [headDim/2], float32. */
  readonly invFreq: Float32Array;
  /** cos(p·inv_freq[i])·attentionScaling at [p·half + i]: [maxPos, half]. Replaced when the table grows. */
  cos = new Float32Array(0);
  sin = new Float32Array(0);

  constructor(
    readonly headDim: number,
    frequencies: RopeFrequencyFn | number,
    /** Multiplies cos and sin (HF attention_scaling: 1 except for YaRN / LongRoPE). */
    readonly attentionScaling = 1,
  ) {
    if (!Number.isInteger(headDim) || headDim <= 0 || headDim % 2 !== 0) {
      throw new ShapeError(`rope: headDim must be a positive even integer, got ${headDim}`);
    }
    this.half = headDim / 2;
    const fn = typeof frequencies === "number" ? defaultRopeFrequencies(frequencies) : frequencies;
    this.invFreq = Float32Array.from(fn(headDim));
    if (this.invFreq.length !== this.half) {
      throw new ShapeError(`rope: the frequency function gave ${this.invFreq.length} inv_freq values for headDim ${headDim}, expected ${this.half}`);
    }
  }

  /** Positions the table covers now. */
  get maxPos(): number {
    return this.cos.length / this.half;
  }

  /** Makes sure positions 0 … positions − 1 are in the table (grows by doubling). */
  ensure(positions: number): void {
    const have = this.maxPos;
    if (positions <= have) return;
    const half = this.half;
    const size = Math.max(positions, 2 * have, 64);
    const cos = new Float32Array(size * half);
    const sin = new Float32Array(size * half);
    cos.set(this.cos);
    sin.set(this.sin);
    const scale = f32(this.attentionScaling);
    for (let p = have; p < size; p++) {
      for (let i = 0; i < half; i++) {
        const angle = f32(p * this.invFreq[i]!);
        cos[p * half + i] = f32(f32(Math.cos(angle)) * scale);
        sin[p * half + i] = f32(f32(Math.sin(angle)) * scale);
      }
    }
    this.cos = cos;
    this.sin = sin;
  }

  /** A shared table of plain RoPE for (headDim, theta) (a few are kept). */
  static plain(headDim: number, theta: number): RopeTable {
    const key = `${headDim}:${theta}`;
    let t = plainTables.get(key);
    if (t === undefined) {
      t = new RopeTable(headDim, theta);
      if (plainTables.size >= 16) plainTables.delete(plainTables.keys().next().value!);
      plainTables.set(key, t);
    }
    return t;
  }
}

const plainTables = new Map<string, RopeTable>();

/**
 * x: [seq, nHeads, headDim] rotated in place or into out; row s is at position startPos + s.
 * `table` is a RopeTable (grown here if needed) or, for plain RoPE, theta. inverse = true rotates
 * by −angle (that is also the backward: a rotation is orthogonal). out may equal x.
 */
export function rope(
  x: Float32Array,
  seq: number,
  nHeads: number,
  headDim: number,
  startPos: number,
  table: RopeTable | number,
  style: RopeStyle,
  out?: Float32Array,
  inverse = false,
): Float32Array {
  if (!Number.isInteger(headDim) || headDim <= 0 || headDim % 2 !== 0) {
    throw new ShapeError(`rope: headDim must be a positive even integer, got ${headDim}`);
  }
  if (!Number.isInteger(seq) || seq < 0 || !Number.isInteger(nHeads) || nHeads < 0) {
    throw new ShapeError(`rope: seq and nHeads must be non-negative integers, got seq ${seq}, nHeads ${nHeads}`);
  }
  if (!Number.isInteger(startPos) || startPos < 0) throw new ShapeError(`rope: startPos must be an integer ≥ 0, got ${startPos}`);
  if (style !== "half" && style !== "interleaved") throw new ShapeError(`rope: style must be "half" or "interleaved", got ${String(style)}`);
  const t = typeof table === "number" ? RopeTable.plain(headDim, table) : table;
  if (t.headDim !== headDim) throw new ShapeError(`rope: the table is for headDim ${t.headDim}, x has headDim ${headDim}`);
  const n = seq * nHeads * headDim;
  needLength("rope", "x", x, n);
  const o = outArray("rope", out, n);
  t.ensure(startPos + seq);
  const half = headDim / 2;
  // This call's rows of the table: [seq, half].
  const cos = t.cos.subarray(startPos * half, (startPos + seq) * half);
  const sin = t.sin.subarray(startPos * half, (startPos + seq) * half);
  if (useWasm(n, 256)) return wasmRope(x, seq, nHeads, headDim, cos, sin, style, o, inverse);
  const sign = inverse ? -1 : 1;
  // Pair i of a head starting at `base` is (base + i, base + i + half) or (base + 2i, base + 2i + 1).
  const step = style === "half" ? 1 : 2;
  const other = style === "half" ? half : 1;
  for (let s = 0; s < seq; s++) {
    const row = s * half;
    for (let h = 0; h < nHeads; h++) {
      const base = (s * nHeads + h) * headDim;
      for (let i = 0; i < half; i++) {
        const c = cos[row + i]!;
        const sn = sign * sin[row + i]!;
        const i0 = base + i * step;
        const a = x[i0]!;
        const b = x[i0 + other]!;
        o[i0] = a * c - b * sn;
        o[i0 + other] = b * c + a * sn;
      }
    }
  }
  return o;
}
