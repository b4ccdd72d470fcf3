import { ShapeError } from "../errors.js";
import { needLength, outArray } from "./check.js";
import { useWasm } from "../wasm/instance.js";
import { wasmRope } from "../wasm/rope.js";

/**
 * Rotary position embedding over x: [seq, nHeads, headDim]; row s is at position startPos + s.
 * "half" rotates the pair (i, i + headDim/2) as HF's rotate_half (use it for HF Llama weights);
 * "interleaved" rotates (2i, 2i + 1) (the original RoFormer / llama2.c layout).
 * Angle of pair i at position p: p · theta^(−2i/headDim), computed in float32 exactly as HF Llama
 * does (inv_freq in float32, then p·inv_freq in float32, then cos/sin rounded to float32), so our
 * logits match the PyTorch reference. inverse = true rotates by −angle (that is also the backward).
 * out may equal x (in place). Reference: rope.reference.ts.
 */
export type RopeStyle = "half" | "interleaved";

const invFreqCache = new Map<string, Float32Array>();

/** inv_freq_i = 1 / theta^(2i/headDim) in float32, i < headDim/2 (HF `_compute_default_rope_parameters`). */
export function ropeInvFreq(headDim: number, theta: number): Float32Array {
  const key = `${headDim}:${theta}`;
  let inv = invFreqCache.get(key);
  if (inv === undefined) {
    const f = Math.fround;
    inv = new Float32Array(headDim / 2);
    for (let i = 0; i < inv.length; i++) inv[i] = 1 / f(Math.pow(f(theta), f((2 * i) / headDim)));
    if (invFreqCache.size > 64) invFreqCache.clear();
    invFreqCache.set(key, inv);
  }
  return inv;
}

// Scratch cos/sin tables, grown on demand and reused across calls: [seq, headDim/2].
let cosTable = new Float32Array(0);
let sinTable = new Float32Array(0);

export function rope(
  x: Float32Array,
  seq: number,
  nHeads: number,
  headDim: number,
  startPos: number,
  theta: number,
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
  const n = seq * nHeads * headDim;
  needLength("rope", "x", x, n);
  const o = outArray("rope", out, n);
  if (useWasm(n, 256)) return wasmRope(x, seq, nHeads, headDim, startPos, theta, style, o, inverse);
  const half = headDim / 2;
  const inv = ropeInvFreq(headDim, theta);
  if (cosTable.length < seq * half) {
    cosTable = new Float32Array(seq * half);
    sinTable = new Float32Array(seq * half);
  }
  const cosT = cosTable;
  const sinT = sinTable;
  const sign = inverse ? -1 : 1;
  for (let s = 0; s < seq; s++) {
    const pos = startPos + s;
    for (let i = 0; i < half; i++) {
      const angle = Math.fround(pos * inv[i]!);
      cosT[s * half + i] = Math.cos(angle);
      sinT[s * half + i] = sign * Math.fround(Math.sin(angle));
    }
  }
  if (style === "half") {
    for (let s = 0; s < seq; s++) {
      const t = s * half;
      for (let h = 0; h < nHeads; h++) {
        const base = (s * nHeads + h) * headDim;
        for (let i = 0; i < half; i++) {
          const c = cosT[t + i]!;
          const sn = sinT[t + i]!;
          const a = x[base + i]!;
          const b = x[base + i + half]!;
          o[base + i] = a * c - b * sn;
          o[base + i + half] = b * c + a * sn;
        }
      }
    }
  } else {
    for (let s = 0; s < seq; s++) {
      const t = s * half;
      for (let h = 0; h < nHeads; h++) {
        const base = (s * nHeads + h) * headDim;
        for (let i = 0; i < half; i++) {
          const c = cosT[t + i]!;
          const sn = sinT[t + i]!;
          const a = x[base + 2 * i]!;
          const b = x[base + 2 * i + 1]!;
          o[base + 2 * i] = a * c - b * sn;
          o[base + 2 * i + 1] = b * c + a * sn;
        }
      }
    }
  }
  return o;
}
