/**
 * The Llama hyper-parameters ↔ GGUF's `{arch}.*` keys (llama.cpp src/llama-arch.cpp LLM_KV_*).
 * Reading builds the same config.json-shaped object a model directory has and hands it to
 * parseLlamaConfig, so one function validates both. Two things a config.json says otherwise come
 * as llama.cpp's converter writes them: Mixtral is the llama architecture with `{arch}.expert_count`
 * (its experts stacked, names.ts), and Llama 3.x's rope_scaling is a tensor of per-pair frequency
 * factors, `rope_freqs.weight` (linear and yarn scaling are keys: rope-keys.ts). Anything that
 * changes the math and that the Llama does not implement (another rope scaling, partial rotary,
 * another architecture) is refused with a ModelLoadError naming the key.
 */
import { dequantize, gguf, llama3RopeFactors, type GgufFile, type GgufValue } from "@mini/tensor";
import { ModelLoadError } from "../errors.js";
import { parseLlamaConfig, type LlamaConfig } from "../../models/llama/config.js";
import type { RopeFactorsScaling } from "../../models/llama/rope-scaling.js";
import { ggufTied, ROPE_FREQS } from "./names.js";
import { ggufRopeScalingKeys, ropeScalingFromGguf } from "./rope-keys.js";

/** GGUF architectures the inference Llama runs, with the HF model_type they become. */
const ARCHITECTURES: Record<string, "llama" | "qwen2" | "qwen3"> = { llama: "llama", qwen2: "qwen2", qwen3: "qwen3" };

export function configFromGguf(f: GgufFile): LlamaConfig {
  const fail = (key: string, reason: string): never => {
    throw new ModelLoadError(f.file, `key "${key}"`, reason);
  };
  const arch = f.value("general.architecture");
  if (typeof arch !== "string") fail("general.architecture", arch === undefined ? "missing" : `expected a string, got ${String(arch)}`);
  const modelType = ARCHITECTURES[arch as string];
  if (modelType === undefined) fail("general.architecture", `unsupported architecture ${JSON.stringify(arch)}; supported: ${Object.keys(ARCHITECTURES).join(", ")}`);
  const a = arch as string;

  const num = (key: string, dflt?: number): number => {
    const v = f.value(key);
    if (v === undefined && dflt !== undefined) return dflt;
    if (typeof v !== "number") fail(key, v === undefined ? "missing" : `expected a number, got ${Array.isArray(v) ? "an array" : String(v)}`);
    return v as number;
  };
  const int = (key: string, dflt?: number): number => {
    const v = num(key, dflt);
    if (!Number.isInteger(v) || v <= 0) fail(key, `expected a positive integer, got ${v}`);
    return v;
  };

  const ropeScaling = ropeScalingFromGguf(f, a);
  const moe = f.value(`${a}.expert_count`) !== undefined && num(`${a}.expert_count`) !== 0;
  if (moe && a !== "llama") fail(`${a}.expert_count`, `mixture-of-experts is read for the llama architecture (Mixtral) only, not ${a}`);

  const heads = int(`${a}.attention.head_count`);
  const hidden = int(`${a}.embedding_length`);
  const headDim = int(`${a}.attention.key_length`, hidden / heads);
  const valueLength = int(`${a}.attention.value_length`, headDim);
  if (valueLength !== headDim) fail(`${a}.attention.value_length`, `must equal key_length (${headDim}), got ${valueLength}`);
  const ropeDims = int(`${a}.rope.dimension_count`, headDim);
  if (ropeDims !== headDim) fail(`${a}.rope.dimension_count`, `partial rotary embeddings are not supported (rotating ${ropeDims} of ${headDim} dims per head)`);

  if (!f.has("token_embd.weight")) throw new ModelLoadError(f.file, `tensor "token_embd.weight"`, "missing");
  const vocab = f.tensor("token_embd.weight").shape[0]!;
  const tokenId = (key: string): number | undefined => {
    const v = f.value(key);
    return typeof v === "number" && Number.isInteger(v) && v >= 0 ? v : undefined;
  };
  const eos = [tokenId("tokenizer.ggml.eos_token_id"), tokenId("tokenizer.ggml.eot_token_id")].filter((v): v is number => v !== undefined);

  const json = {
    model_type: moe ? "mixtral" : modelType,
    ...(moe ? { num_local_experts: int(`${a}.expert_count`), num_experts_per_tok: int(`${a}.expert_used_count`) } : {}),
    vocab_size: vocab,
    hidden_size: hidden,
    intermediate_size: int(`${a}.feed_forward_length`),
    num_hidden_layers: int(`${a}.block_count`),
    num_attention_heads: heads,
    num_key_value_heads: int(`${a}.attention.head_count_kv`, heads),
    head_dim: headDim,
    rms_norm_eps: num(`${a}.attention.layer_norm_rms_epsilon`),
    rope_theta: num(`${a}.rope.freq_base`, 10000),
    ...(ropeScaling === undefined ? {} : { rope_scaling: ropeScaling }),
    max_position_embeddings: int(`${a}.context_length`),
    tie_word_embeddings: ggufTied(f),
    bos_token_id: tokenId("tokenizer.ggml.bos_token_id") ?? null,
    eos_token_id: [...new Set(eos)],
    // Biases are present or not (qwen2 always has q/k/v biases; a llama or qwen3 file may carry them).
    ...(modelType === "qwen2" || moe ? {} : { attention_bias: f.has("blk.0.attn_q.bias") }),
  };
  const config = parseLlamaConfig(json, f.file);
  const factors = ropeFactorsFromGguf(f, a, headDim);
  if (factors !== null && config.ropeScaling !== null) fail(`${a}.rope.scaling.type`, `${config.ropeScaling.type} scaling and rope_freqs.weight together are not supported`);
  return factors === null ? config : { ...config, ropeScaling: factors };
}

/** `rope_freqs.weight` (F32 [headDim/2], every factor positive), or null when the file has none. */
function ropeFactorsFromGguf(f: GgufFile, arch: string, headDim: number): RopeFactorsScaling | null {
  if (!f.has(ROPE_FREQS)) return null;
  const t = f.tensor(ROPE_FREQS);
  const fail = (reason: string): never => {
    throw new ModelLoadError(f.file, `tensor "${ROPE_FREQS}"`, reason);
  };
  if (arch !== "llama") fail(`RoPE frequency factors are read for the llama architecture only, not ${arch}`);
  if (t.type.name !== "F32" || t.shape.length !== 1 || t.shape[0] !== headDim / 2) {
    fail(`expected F32 [${headDim / 2}] (one factor per rotated pair), got ${t.type.name} [${t.shape.join(", ")}]`);
  }
  const factors = dequantize("F32", f.bytes(ROPE_FREQS), headDim / 2);
  const bad = factors.findIndex((v) => !(v > 0) || !Number.isFinite(v));
  if (bad >= 0) fail(`factor ${bad} is ${factors[bad]}, expected a positive number`);
  return { type: "factors", factors };
}

/**
 * The `rope_freqs.weight` values of a config, as llama.cpp's converter writes them for
 * rope_scaling "llama3" (tensor's llama3RopeFactors), or the factors a GGUF file gave; null for
 * plain RoPE and for linear / yarn scaling (written as keys).
 */
export function ggufRopeFactors(c: LlamaConfig): Float32Array | null {
  const s = c.ropeScaling;
  if (s === null || s.type === "linear" || s.type === "yarn") return null; // these are keys (rope-keys.ts)
  return s.type === "factors" ? s.factors : llama3RopeFactors(c.ropeTheta, s, c.headDim);
}

/** llama.cpp's general.file_type (enum llama_ftype) for a model whose matrices are all `dtype` (a K type: its _S variant). */
export const FILE_TYPE: Readonly<Record<string, number>> = {
  F32: 0, F16: 1, Q4_0: 2, Q4_1: 3, Q8_0: 7, Q5_0: 8, Q5_1: 9, Q2_K: 10, Q3_K: 11, Q4_K: 14, Q5_K: 16, Q6_K: 18, IQ4_NL: 25, IQ4_XS: 30, BF16: 32,
};

/**
 * The `general.*` and `llama.*` keys for a config. A Mistral sliding window is written as the
 * context length when it is shorter (llama.cpp's llama architecture has no window; within the
 * window the two attentions are the same).
 */
export function ggufHyperparams(c: LlamaConfig, name: string, fileType: number): Map<string, GgufValue> {
  const a = ggufArchitecture(c);
  const ctx = c.slidingWindow === null ? c.maxSeqLen : Math.min(c.maxSeqLen, c.slidingWindow);
  return new Map<string, GgufValue>([
    ["general.architecture", gguf.string(a)],
    ["general.name", gguf.string(name)],
    ["general.file_type", gguf.u32(fileType)],
    [`${a}.vocab_size`, gguf.u32(c.vocabSize)],
    [`${a}.context_length`, gguf.u32(ctx)],
    [`${a}.embedding_length`, gguf.u32(c.hiddenSize)],
    [`${a}.block_count`, gguf.u32(c.numLayers)],
    [`${a}.feed_forward_length`, gguf.u32(c.intermediateSize)],
    [`${a}.attention.head_count`, gguf.u32(c.numHeads)],
    [`${a}.attention.head_count_kv`, gguf.u32(c.numKvHeads)],
    [`${a}.attention.key_length`, gguf.u32(c.headDim)],
    [`${a}.attention.value_length`, gguf.u32(c.headDim)],
    [`${a}.rope.dimension_count`, gguf.u32(c.headDim)],
    [`${a}.rope.freq_base`, gguf.f32(c.ropeTheta)],
    [`${a}.attention.layer_norm_rms_epsilon`, gguf.f32(c.rmsNormEps)],
    ...ggufRopeScalingKeys(c, a),
    ...(c.moe === null
      ? []
      : ([
          [`${a}.expert_count`, gguf.u32(c.moe.numExperts)],
          [`${a}.expert_used_count`, gguf.u32(c.moe.topK)],
        ] as const)),
  ]);
}

/**
 * The GGUF architecture a config is written as: Llama, Mistral and Mixtral as llama (with the
 * biases llama.cpp's llama loads when present, llama3 rope scaling as rope_freqs.weight, experts
 * stacked), Qwen2 and Qwen3 as themselves. Anything else (llama3 rope scaling on a Qwen, whose
 * rope_freqs.weight llama.cpp's qwen models do not read; an output bias they lack) is refused.
 */
export function ggufArchitecture(c: LlamaConfig): "llama" | "qwen2" | "qwen3" {
  const refuse = (what: string): never => {
    throw new RangeError(`writeModelGguf: ${what} is not written to GGUF yet (Llama/Mistral/Mixtral, Qwen2, Qwen3 with no, linear or yarn rope scaling)`);
  };
  if (c.modelType === "llama" || c.modelType === "mistral" || c.modelType === "mixtral") return "llama";
  // llama.cpp reads linear / yarn keys for every architecture, rope_freqs.weight (llama3) for llama only.
  if (c.ropeScaling !== null && c.ropeScaling.type !== "linear" && c.ropeScaling.type !== "yarn") refuse(`${c.ropeScaling.type} rope scaling on ${c.modelType}`);
  if (c.modelType === "qwen2" || c.modelType === "qwen3") return c.oBias ? refuse("an o_proj bias") : c.modelType;
  return refuse(`model_type "${c.modelType}"`);
}
