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
  ["ffn_gate_inp", "block_sparse_moe.gate"],
];
/** llama.cpp's output matrix (lm_head); a file without it has tied embeddings. */
export const GGUF_OUTPUT = "output.weight";

/** Whether a GGUF file's embeddings are tied: it has no output.weight (as llama.cpp decides). */
export const ggufTied = (f: { has(name: string): boolean }): boolean => !f.has(GGUF_OUTPUT);

const GLOBAL: readonly [gguf: string, hf: string][] = [
  ["token_embd.weight", "model.embed_tokens.weight"],
  ["output_norm.weight", "model.norm.weight"],
  [GGUF_OUTPUT, "lm_head.weight"],
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

/** llama.cpp's per-pair RoPE frequency factors (Llama 3.x's rope scaling): read into the config, not a weight. */
export const ROPE_FREQS = "rope_freqs.weight";

/** Mixtral's experts: HF w1 (gate), w3 (up), w2 (down) ↔ llama.cpp's ffn_gate, ffn_up, ffn_down. */
const EXPERT: readonly [gguf: string, hf: string][] = [
  ["ffn_gate", "w1"],
  ["ffn_up", "w3"],
  ["ffn_down", "w2"],
];

/**
 * Where an HF tensor is in a GGUF file: its own tensor (expert null), or expert `expert` of a
 * stacked tensor `blk.N.ffn_{gate,up,down}_exps.weight` [experts, out, in] (llama.cpp's converter
 * stacks Mixtral's experts so; llama.cpp multiplies them with ggml_mul_mat_id).
 */
export interface GgufPlace {
  readonly name: string;
  readonly expert: number | null;
}

export function ggufPlace(hf: string): GgufPlace | undefined {
  const m = /^model\.layers\.(\d+)\.block_sparse_moe\.experts\.(\d+)\.(w[123])\.weight$/.exec(hf);
  if (m !== null) return { name: `blk.${m[1]}.${EXPERT.find(([, h]) => h === m[3])![0]}_exps.weight`, expert: Number(m[2]) };
  const g = ggufName(hf);
  return g === undefined ? undefined : { name: g, expert: null };
}

/**
 * The HF tensors a GGUF tensor of this shape holds, by place: one, an expert each of a stacked
 * `_exps` tensor, one expert of an older file's per-expert 2-D `blk.N.ffn_gate.E.weight`; or
 * undefined when it is no tensor of the Llama.
 */
export function hfTensorsOf(g: string, shape: readonly number[]): { hf: string; expert: number | null }[] | undefined {
  const stacked = /^blk\.(\d+)\.(ffn_gate|ffn_up|ffn_down)_exps\.weight$/.exec(g);
  const expertName = (layer: string, proj: string, e: number | string) => `model.layers.${layer}.block_sparse_moe.experts.${e}.${EXPERT.find(([gg]) => gg === proj)![1]}.weight`;
  if (stacked !== null) {
    if (shape.length !== 3) return undefined;
    return Array.from({ length: shape[0]! }, (_, e) => ({ hf: expertName(stacked[1]!, stacked[2]!, e), expert: e }));
  }
  const single = /^blk\.(\d+)\.(ffn_gate|ffn_up|ffn_down)\.(\d+)\.weight$/.exec(g);
  if (single !== null) return [{ hf: expertName(single[1]!, single[2]!, single[3]!), expert: null }];
  const hf = hfName(g);
  return hf === undefined ? undefined : [{ hf, expert: null }];
}

/**
 * Which heads count a permuted tensor's rows are grouped by: q by heads, k by kv heads; else none.
 * The q/k biases too: convert_hf_to_gguf.py's LlamaModel permutes `q_proj.bias` / `k_proj.bias` as
 * it permutes the weights (one element per row), so llama.cpp adds them after the interleaved rows.
 */
export function permutedHeads(hf: string, numHeads: number, numKvHeads: number): number | undefined {
  if (/\.self_attn\.q_proj\.(weight|bias)$/.test(hf)) return numHeads;
  if (/\.self_attn\.k_proj\.(weight|bias)$/.test(hf)) return numKvHeads;
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
