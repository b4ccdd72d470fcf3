/**
 * A GGUF tensor as a compact WeightMatrix, so quantized weights stay in their blocks in the WASM
 * heap: F32/F16/BF16/Q8_0/Q4_0 rows are handed over as stored (llama.cpp's blocks are the compact
 * formats' blocks when a row is whole blocks); Q4_K and Q6_K, which have no compact kernel yet, are
 * decoded and re-encoded as q8_0 (8.5 bits a weight instead of 4.5 / 6.6).
 */
import { WeightMatrix } from "../../compact/matrix.js";
import type { WeightDtype } from "../../compact/dtype.js";
import { GgufError } from "../../errors.js";
import { dequantize } from "../../quant/codec.js";
import type { GgmlType } from "../../quant/ggml-types.js";
import type { GgufFile } from "./file.js";

/** GGUF types whose stored bytes are a compact dtype's layout as they are. */
export const GGUF_COMPACT_DTYPE: Readonly<Partial<Record<GgmlType, WeightDtype>>> = { F32: "f32", F16: "f16", BF16: "bf16", Q8_0: "q8_0", Q4_0: "q4_0" };

/** What a K-quant becomes in memory until Q4_K/Q6_K kernels exist. */
const K_QUANT_FALLBACK: WeightDtype = "q8_0";

/**
 * The 2-D tensor `name` of `f` as a WeightMatrix [rows, cols]. `bytes` (default: the stored
 * bytes) lets a caller reorder whole rows first (llama.cpp's Q/K permutation). Of a stacked 3-D
 * tensor [n, rows, cols] (Mixtral's experts), `bytes` is one [rows, cols] matrix of it.
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
  const direct = GGUF_COMPACT_DTYPE[type];
  // GGUF rows are whole blocks (the header check), so the bytes are the compact layout as they are.
  if (direct !== undefined) return WeightMatrix.fromBytes(bytes, rows, cols, direct, name);
  if (type !== "Q4_K" && type !== "Q6_K") fail(`tensor type ${t.type.name} cannot be kept compact`);
  return WeightMatrix.fromF32(dequantize(type, bytes, rows * cols), rows, cols, K_QUANT_FALLBACK, name);
}
