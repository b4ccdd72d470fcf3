/**
 * llama.cpp's tensor names (gguf-py/gguf/constants.py, MODEL_TENSOR) ↔ the HF names the inference
 * Llama asks for, and the row permutation llama.cpp's converter applies to q_proj/k_proj.
 *
 * Why the permutation: HF Llama rotates the pairs (i, i + headDim/2) of each head ("rotate_half"),
 * llama.cpp's LLAMA rope type rotates adjacent pairs (2i, 2i + 1). convert_hf_to_gguf.py reorders
 * the rows of Wq and Wk so that row 2i + j of a head is HF row j·headDim/2 + i; reading undoes it.
 * (Architectures with NEOX rope, qwen2 and qwen3, store HF's order and need nothing: see ropePermuted.)
 */
const LAYER: readonly [gguf: string, hf: string][] = [
  ["attn_norm", "input_layernorm"],
  ["attn_q", "self_attn.q_proj"],
  ["attn_k", "self_attn.k_proj"],
  ["attn_v", "self_attn.v_proj"],
  ["attn_output", "self_attn.o_proj"],
  ["attn_q_norm", "self_attn.q_norm"],
  ["attn_k_norm", "self_attn.k_norm"],
  ["ffn_norm", "post_attention_layernorm"],
  ["ffn_gate", "mlp.gate_proj"],
  ["ffn_up", "mlp.up_proj"],
  ["ffn_down", "mlp.down_proj"],
];
const GLOBAL: readonly [gguf: string, hf: string][] = [
  ["token_embd.weight", "model.embed_tokens.weight"],
  ["output_norm.weight", "model.norm.weight"],
  ["output.weight", "lm_head.weight"],
];

/** The HF name of a llama.cpp tensor name, or undefined if it is not one the Llama uses. */
export function hfName(ggufName: string): string | undefined {
  for (const [g, h] of GLOBAL) if (g === ggufName) return h;
  const m = /^blk\.(\d+)\.([a-z_]+)\.(weight|bias)$/.exec(ggufName);
  if (m === null) return undefined;
  const hf = LAYER.find(([g]) => g === m[2])?.[1];
  return hf === undefined ? undefined : `model.layers.${m[1]}.${hf}.${m[3]}`;
}

/** The llama.cpp name of an HF tensor name, or undefined. */
export function ggufName(hf: string): string | undefined {
  for (const [g, h] of GLOBAL) if (h === hf) return g;
  const m = /^model\.layers\.(\d+)\.(.+)\.(weight|bias)$/.exec(hf);
  if (m === null) return undefined;
  const g = LAYER.find(([, h]) => h === m[2])?.[0];
  return g === undefined ? undefined : `blk.${m[1]}.${g}.${m[3]}`;
}

/** Which heads count a permuted tensor's rows are grouped by: q by heads, k by kv heads; else none. */
export function permutedHeads(hf: string, numHeads: number, numKvHeads: number): number | undefined {
  if (/\.self_attn\.q_proj\.weight$/.test(hf)) return numHeads;
  if (/\.self_attn\.k_proj\.weight$/.test(hf)) return numKvHeads;
  return undefined;
}

/**
 * Reorders whole rows (rowBytes bytes each, any encoding: a quantized row is whole blocks) between
 * HF order and llama.cpp's interleaved order, for `heads` heads of rows/heads rows each.
 * toGguf: row h·hd + 2i + j ← HF row h·hd + j·hd/2 + i; otherwise the inverse.
 */
export function permuteRows(src: Uint8Array, rows: number, rowBytes: number, heads: number, toGguf: boolean): Uint8Array {
  const hd = rows / heads;
  const half = hd / 2;
  const out = new Uint8Array(src.length);
  for (let h = 0; h < heads; h++) {
    for (let i = 0; i < half; i++) {
      for (let j = 0; j < 2; j++) {
        const interleaved = h * hd + 2 * i + j;
        const split = h * hd + j * half + i;
        const [from, to] = toGguf ? [split, interleaved] : [interleaved, split];
        out.set(src.subarray(from * rowBytes, (from + 1) * rowBytes), to * rowBytes);
      }
    }
  }
  return out;
}

/** Whether a GGUF architecture stores Wq/Wk in llama.cpp's interleaved-RoPE row order (LLAMA_ROPE_TYPE_NORM). */
export const ropePermuted = (arch: string): boolean => arch === "llama";
