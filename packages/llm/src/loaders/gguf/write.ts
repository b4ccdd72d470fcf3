/**
 * A Llama (any TensorSource of HF-named weights: a model directory, a trained model's tensors)
 * written as a GGUF file llama.cpp runs: `llama.*` hyper-parameters, the tokenizer and chat
 * template, and every matrix in the chosen type, the output matrix in its type under the recipe
 * (dtype-recipe.ts: Q6_K or Q8_0 in a Q4_0 or Q4_K file, as llama-quantize writes it; Q6_K in a
 * file of a type mini decodes at load). Norm vectors stay F32 (as llama.cpp's converter does); a
 * matrix whose rows are not a whole number of blocks is written in llama-quantize's fallback type
 * (ROW_FALLBACK), or F16 (listed in the result). Wq/Wk rows are put in llama.cpp's order (names.ts). As llama.cpp's converter does:
 * Mixtral's experts are stacked per projection ([experts, out, in], names.ts ggufPlace) and its
 * router kept F32; llama3 rope scaling becomes `rope_freqs.weight` (F32 [headDim/2]).
 * Streaming and atomic (writeGguf).
 */
import { GGUF_COMPACT_DTYPE, ggmlTypeInfo, quantize, writeGguf, type GgmlCompactType, type GgmlType, type GgufTensorEntry, type GgufValue, type TensorSource } from "@mini/tensor";
import type { LlamaConfig } from "../../models/llama/config.js";
import { isOutputMatrix, matrixDtype } from "../../models/llama/dtype-recipe.js";
import { expectedTensors, llamaParamSource } from "../../models/llama/weights.js";
import { FILE_TYPE, ggufArchitecture, ggufHyperparams, ggufRopeFactors } from "./hyperparams.js";
import { ggufPlace, permutedHeads, permuteRows, ropePermuted, ROPE_FREQS } from "./names.js";

/** Every type mini encodes (the K and IQ types with simple quantizers, less accurate than llama.cpp's: @mini/tensor's quant/). */
export type GgufWriteType = GgmlType;
export const GGUF_WRITE_TYPES: readonly GgufWriteType[] = [
  "F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_K", "Q6_K", "Q4_1", "Q5_0", "Q5_1", "Q5_K", "Q3_K", "Q2_K", "IQ4_NL", "IQ4_XS",
];

/**
 * llama-quantize's type for a row that is not a whole number of the chosen type's blocks
 * (llama-quant.cpp, the fallback in llama_tensor_get_type): a 32-value type of about the same bits.
 * F16 when even that does not fit.
 */
const ROW_FALLBACK: Partial<Record<GgmlType, GgmlType>> = { Q2_K: "IQ4_NL", Q3_K: "IQ4_NL", IQ4_XS: "IQ4_NL", Q4_K: "Q5_0", Q5_K: "Q5_1", Q6_K: "Q8_0" };

export interface WriteModelGgufOptions {
  readonly config: LlamaConfig;
  readonly source: TensorSource;
  /** Tokenizer keys (ggufTokenizerMetadata); the model alone is written without them. */
  readonly tokenizer?: ReadonlyMap<string, GgufValue>;
  readonly type: GgufWriteType;
  /** general.name */
  readonly name?: string;
}

export interface WriteModelGgufResult {
  /** Tensors written in a fallback type (ROW_FALLBACK, or F16) because their row length is not a multiple of the type's block. */
  readonly fallbacks: readonly string[];
  /** The type the output matrix (output.weight, or a tied token_embd.weight) was written in: Q6_K or Q8_0 in a Q4_0 / Q4_K file (dtype-recipe.ts) or a file of a type mini decodes at load, a fallback where rows do not fit. */
  readonly outputType: GgmlType;
  /** Things a user of the file should know (e.g. a vocabulary llama.cpp cannot byte-fall-back in). */
  readonly warnings: readonly string[];
  readonly tensors: number;
}

export function writeModelGguf(path: string, o: WriteModelGgufOptions): WriteModelGgufResult {
  const c = o.config;
  const permuted = ropePermuted(ggufArchitecture(c));
  const metadata = ggufHyperparams(c, o.name ?? "mini", FILE_TYPE[o.type]!);
  for (const [k, v] of o.tokenizer ?? []) metadata.set(k, v);
  const fallbacks: string[] = [];
  let outputType: GgmlType = o.type;
  const entries: GgufTensorEntry[] = [];
  const ps = llamaParamSource(c, o.source); // tied embeddings may be stored as lm_head only
  const factors = ggufRopeFactors(c);
  if (factors !== null) entries.push({ name: ROPE_FREQS, type: "F32", shape: [factors.length], data: () => quantize("F32", factors) });
  // HF names by GGUF tensor, in expectedTensors' order: one each, or every expert of a stacked tensor.
  const stored = new Map<string, { hfs: string[]; hfShape: number[]; shape: number[] }>();
  for (const [hf, hfShape] of expectedTensors(c)) {
    const { name, expert } = ggufPlace(hf)!;
    const s = stored.get(name) ?? { hfs: [], hfShape, shape: expert === null ? hfShape : [c.moe!.numExperts, ...hfShape] };
    s.hfs.push(hf);
    stored.set(name, s);
  }
  for (const [name, { hfs, hfShape, shape }] of stored) {
    const cols = shape[shape.length - 1]!;
    let type: GgmlType = shape.length === 1 || name.includes(".ffn_gate_inp.") ? "F32" : recipeType(o.type, hfs[0]!, cols, c.tieWordEmbeddings);
    if (cols % ggmlTypeInfo(type).blockValues !== 0) fallbacks.push(name);
    while (cols % ggmlTypeInfo(type).blockValues !== 0) type = ROW_FALLBACK[type] ?? "F16";
    if (isOutputMatrix(hfs[0]!, c.tieWordEmbeddings)) outputType = type;
    entries.push({
      name,
      type,
      shape,
      data: () => concat(hfs.map((hf) => encoded(hf, hfShape, type))),
    });
  }
  writeGguf(path, metadata, entries);

  /** One HF tensor in `type`, Wq/Wk rows in llama.cpp's order. */
  function encoded(hf: string, shape: number[], type: GgmlType): Uint8Array {
    const t = ps.tensor(hf, shape);
    let bytes = quantize(type, t.data);
    t.dispose();
    const heads = permuted ? permutedHeads(hf, c.numHeads, c.numKvHeads) : undefined;
    if (heads !== undefined) bytes = permuteRows(bytes, shape[0]!, bytes.length / shape[0]!, heads, true);
    return bytes;
  }
  return { fallbacks, outputType, warnings: tokenizerWarnings(metadata), tensors: entries.length };
}

/**
 * The GGUF type of a matrix in a file of type `type`, as llama-quantize picks it: a type mini
 * multiplies, its dtype under the recipe (dtype-recipe.ts); another, the type itself, but the
 * output matrix as in a Q4_K file (llama-quant.cpp gives output.weight Q6_K, or Q8_0 where its
 * rows are not whole super-blocks, in every quantized file but Q8_0).
 */
function recipeType(type: GgufWriteType, hf: string, cols: number, tied: boolean): GgmlType {
  const decoded = !(type in GGUF_COMPACT_DTYPE);
  if (decoded && !isOutputMatrix(hf, tied)) return type;
  const d = matrixDtype(decoded ? "q4_k" : GGUF_COMPACT_DTYPE[type as GgmlCompactType], hf, cols, tied);
  return (Object.keys(GGUF_COMPACT_DTYPE) as GgmlCompactType[]).find((g) => GGUF_COMPACT_DTYPE[g] === d)!;
}

function tokenizerWarnings(md: ReadonlyMap<string, GgufValue>): string[] {
  const types = md.get("tokenizer.ggml.token_type")?.value;
  if (md.get("tokenizer.ggml.model")?.value !== "llama" || !Array.isArray(types) || types.includes(6)) return [];
  // llama.cpp's byte_to_token throws std::out_of_range (aborting the process) when neither <0xXX> nor the byte is a token.
  return ["the vocabulary has no <0xXX> byte tokens: llama.cpp aborts on a character outside it (mini encodes it as <unk>)"];
}

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
