/**
 * A GGUF file as the Llama's TensorSource: HF names in, llama.cpp tensors out, with Wq/Wk rows put
 * back in HF order (names.ts; whole rows, so it works on quantized blocks). Every tensor of the file
 * must be one the Llama uses. `get` decodes to float32 by the reference decoders; `loadMatrix`
 * keeps a matrix in its stored blocks as a compact WeightMatrix (heldDtype).
 */
import { dequantize, GGUF_COMPACT_DTYPE, ggufWeightMatrix, Tensor, type GgmlType, type GgufFile, type GgufTensorInfo, type TensorSource, type WeightDtype } from "@mini/tensor";
import type { LinearWeight } from "../../models/llama/compact-weights.js";
import { ModelLoadError } from "../errors.js";
import type { LlamaConfig } from "../../models/llama/config.js";
import { expectedTensors } from "../../models/llama/weights.js";
import { ggufName, hfName, permutedHeads, permuteRows, ropePermuted } from "./names.js";

const SUPPORTED = new Set(["F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_K", "Q6_K"]);

/**
 * The dtype a GGUF matrix of type `type` is held in. Without a requested dtype: as stored (F32 as
 * an f32 Tensor, F16/BF16/Q8_0/Q4_0 as those blocks, Q4_K/Q6_K re-encoded as q8_0 since they have
 * no kernel yet). A requested dtype (the user's --dtype) is what every matrix becomes.
 */
export function heldDtype(type: GgmlType, requested: WeightDtype | undefined): WeightDtype {
  if (requested !== undefined) return requested;
  return GGUF_COMPACT_DTYPE[type] ?? "q8_0";
}

/** A GGUF TensorSource, plus matrices as held (loadLlamaWeights' matrix loader). */
export type GgufTensorSource = TensorSource & { loadMatrix(name: string): LinearWeight };

/**
 * `dtype`: the user's requested dtype (undefined: keep as stored). In `loadMatrix`, a matrix
 * already in it is wrapped as stored; any other is decoded to an f32 Tensor, and the Llama
 * converts it to `dtype` (compactLlamaWeights), freeing the f32 copy at once.
 */
export function ggufTensorSource(f: GgufFile, numHeads: number, numKvHeads: number, dtype?: WeightDtype): GgufTensorSource {
  const permuted = ropePermuted(String(f.value("general.architecture")));
  const names: string[] = [];
  for (const t of f.tensors) {
    const hf = hfName(t.name);
    if (hf === undefined) {
      const why = t.name === "rope_freqs.weight" ? " (llama3-style rope scaling factors are not supported)" : "";
      throw new ModelLoadError(f.file, `tensor "${t.name}"`, `not a tensor of mini's Llama${why}; refusing to ignore it`);
    }
    if (!SUPPORTED.has(t.type.name)) {
      throw new ModelLoadError(f.file, `tensor "${t.name}"`, `tensor type ${t.type.name} is not supported (supported: ${[...SUPPORTED].join(", ")})`);
    }
    names.push(hf);
  }
  const info = (name: string) => {
    const g = ggufName(name);
    if (g === undefined || !f.has(g)) throw new ModelLoadError(f.file, `tensor "${g ?? name}"`, "missing");
    return f.tensor(g);
  };
  return {
    has: (name) => {
      const g = ggufName(name);
      return g !== undefined && f.has(g);
    },
    names: () => [...names],
    info: (name) => ({ shape: info(name).shape, dtype: info(name).type.name }),
    get: (name, opts = {}): Tensor => decoded(info(name), name, opts.pinned !== false),
    loadMatrix: (name): LinearWeight => {
      const t = info(name);
      const type = t.type.name as GgmlType;
      const held = heldDtype(type, dtype);
      // Stored as the held dtype (or a K-quant held as q8_0): the blocks go to the kernels as they are.
      const asStored = held !== "f32" && (GGUF_COMPACT_DTYPE[type] === held || ((type === "Q4_K" || type === "Q6_K") && held === "q8_0"));
      return asStored ? ggufWeightMatrix(f, t.name, rowsInHfOrder(t, name)) : decoded(t, name, true);
    },
    fileOf: () => f.file,
  };

  /** The stored bytes with Wq/Wk rows back in HF order (a copy only when permuted). */
  function rowsInHfOrder(t: GgufTensorInfo, name: string): Uint8Array {
    const bytes = f.bytes(t.name);
    const heads = permuted ? permutedHeads(name, numHeads, numKvHeads) : undefined;
    return heads === undefined ? bytes : permuteRows(bytes, t.shape[0]!, t.byteLength / t.shape[0]!, heads, false);
  }
  function decoded(t: GgufTensorInfo, name: string, pinned: boolean): Tensor {
    const out = pinned ? Tensor.pinned([...t.shape]) : Tensor.zeros([...t.shape]);
    dequantize(t.type.name as GgmlType, rowsInHfOrder(t, name), t.elements, out.data);
    return out;
  }
}

/**
 * Every tensor the config calls for, by its llama.cpp name, present with the right shape (the
 * weights loader would check too, but would name the HF tensor, not the one in this file).
 */
export function checkGgufTensors(f: GgufFile, c: LlamaConfig): void {
  for (const [hf, shape] of expectedTensors(c)) {
    const g = ggufName(hf)!;
    if (!f.has(g)) throw new ModelLoadError(f.file, `tensor "${g}"`, "missing");
    const got = f.tensor(g).shape;
    if (got.length !== shape.length || got.some((d, i) => d !== shape[i])) {
      throw new ModelLoadError(f.file, `tensor "${g}"`, `expected shape [${shape.join(", ")}] (row-major) from the llama.* keys, got [${got.join(", ")}]`);
    }
  }
}
