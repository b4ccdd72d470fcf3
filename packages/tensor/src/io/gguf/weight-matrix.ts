/**
 * A GGUF tensor as a compact WeightMatrix, so quantized weights stay in blocks in the WASM heap.
 * The types mini multiplies go over as stored (llama.cpp's blocks are the compact formats' blocks
 * when a row is whole blocks, which a GGUF tensor's rows always are); any other type is decoded,
 * one tensor at a time, into the dtype ggufHeldDtype names.
 */
import { WeightMatrix } from "../../compact/matrix.js";
import type { WeightDtype } from "../../compact/dtype.js";
import { GgufError } from "../../errors.js";
import { dequantize } from "../../quant/codec.js";
import type { GgmlCompactType, GgmlType } from "../../quant/ggml-types.js";
import { EXACT_IN_Q8_0, toQ8_0, type ExactInQ8_0 } from "../../quant/to-q8_0.js";
import type { GgufFile } from "./file.js";

/** GGUF types whose stored bytes are a compact dtype's layout as they are. */
export const GGUF_COMPACT_DTYPE: Readonly<Record<GgmlCompactType, WeightDtype>> = {
  F32: "f32", F16: "f16", BF16: "bf16", Q8_0: "q8_0", Q4_0: "q4_0", Q4_K: "q4_k", Q5_K: "q5_k", Q6_K: "q6_k",
};

/**
 * The one choice of the dtype a GGUF tensor of type t is held in when the user asks for none: a
 * type mini multiplies, as stored; Q5_0 and IQ4_NL as q8_0, which holds them exactly (quant/to-q8_0.ts);
 * every other type as f16. F16 rather than a requantization (say to q8_0, or to the nearest K-quant)
 * because a decoded value's only further rounding is then f16's (11 significant bits, relative error
 * ≤ 2⁻¹¹, far below the format's own), while a second quantization would add an error of the
 * format's own size; the price is memory (2 bytes a weight, against the file's ~0.5–0.7). A user
 * who wants the memory back asks for a dtype (`dtype` / `--dtype q8_0`), and the weights are
 * requantized from their decoded values.
 */
export function ggufHeldDtype(t: GgmlType): WeightDtype {
  if (t in GGUF_COMPACT_DTYPE) return GGUF_COMPACT_DTYPE[t as GgmlCompactType];
  return EXACT_IN_Q8_0.has(t) ? "q8_0" : "f16";
}

/**
 * The 2-D tensor `name` of `f` as a WeightMatrix [rows, cols] in ggufHeldDtype's dtype. `bytes`
 * (default: the stored bytes) lets a caller reorder whole rows first (llama.cpp's Q/K permutation).
 * Of a stacked 3-D tensor [n, rows, cols] (Mixtral's experts), `bytes` is one [rows, cols] matrix of it.
 */
export function ggufWeightMatrix(f: GgufFile, name: string, bytes: Uint8Array = f.bytes(name)): WeightMatrix {
  const t = f.tensor(name);
  const fail = (reason: string): never => {
    throw new GgufError(f.file, `tensor "${name}"`, reason);
  };
  const oneOfStack = t.shape.length === 3 && bytes.length * t.shape[0]! === t.byteLength;
  if (t.shape.length !== 2 && !oneOfStack) fail(`a weight matrix needs 2 dimensions (or one matrix of 3), got shape [${t.shape.join(", ")}]`);
  const [rows, cols] = t.shape.slice(-2) as [number, number];
  const type = t.type.name as GgmlType;
  if (!t.type.supported) fail(`tensor type ${type} is not supported`);
  const held = ggufHeldDtype(type);
  // GGUF rows are whole blocks (the header check), so stored bytes are the compact layout as they are.
  if (type in GGUF_COMPACT_DTYPE) return WeightMatrix.fromBytes(bytes, rows, cols, held, name);
  if (held === "q8_0") return WeightMatrix.fromBytes(toQ8_0(type as ExactInQ8_0, bytes, rows * cols), rows, cols, "q8_0", name);
  // Decoded a piece of rows at a time (whole blocks: a row is) into encodeRows' ~1 MiB staging
  // buffer, and encoded from there into the matrix's place in the heap: no float32 copy of the matrix.
  const { blockValues, blockBytes } = t.type;
  try {
    return WeightMatrix.encodeRows(rows, cols, "f16", name, (start, into) => {
      dequantize(type, bytes.subarray((start / blockValues) * blockBytes), into.length, into);
    });
  } catch (e) {
    // the f16 encoder refuses a value it cannot hold (compact/encode.ts), naming the weight
    return fail(`decoded from ${type} into f16, the dtype mini holds ${type} in: ${(e as Error).message}`);
  }
}
