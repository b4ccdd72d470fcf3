/**
 * A GGUF tensor as a compact WeightMatrix, so quantized weights stay in their blocks in the WASM
 * heap: every supported type's rows are handed over as stored (llama.cpp's blocks are the compact
 * formats' blocks when a row is whole blocks, which a GGUF tensor's rows always are).
 */
import { WeightMatrix } from "../../compact/matrix.js";
import type { WeightDtype } from "../../compact/dtype.js";
import { GgufError } from "../../errors.js";
import type { GgmlType } from "../../quant/ggml-types.js";
import type { GgufFile } from "./file.js";

/** GGUF types whose stored bytes are a compact dtype's layout as they are. */
export const GGUF_COMPACT_DTYPE: Readonly<Record<GgmlType, WeightDtype>> = {
  F32: "f32", F16: "f16", BF16: "bf16", Q8_0: "q8_0", Q4_0: "q4_0", Q4_K: "q4_k", Q6_K: "q6_k",
};

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
  const direct = GGUF_COMPACT_DTYPE[t.type.name as GgmlType] as WeightDtype | undefined;
  if (direct === undefined) fail(`tensor type ${t.type.name} cannot be kept compact`);
  // GGUF rows are whole blocks (the header check), so the bytes are the compact layout as they are.
  return WeightMatrix.fromBytes(bytes, rows, cols, direct!, name);
}
