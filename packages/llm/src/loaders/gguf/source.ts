/**
 * A GGUF file as the Llama's TensorSource: HF names in, llama.cpp tensors out, with Wq/Wk rows put
 * back in HF order (names.ts; whole rows, so it works on quantized blocks). Every tensor of the file
 * must be one the Llama uses. `get` decodes to float32 by the reference decoders; `loadMatrix`
 * keeps a matrix in its stored blocks as a compact WeightMatrix, or decodes a type mini does not
 * multiply into one it does (heldDtype).
 */
import { dequantize, GGML_TYPE_ID, ggufHeldDtype, ggufWeightMatrix, Tensor, type GgmlType, type GgufFile, type GgufTensorInfo, type TensorSource, type WeightDtype } from "@mini/tensor";
import type { LinearWeight } from "../../models/llama/compact-weights.js";
import { ModelLoadError } from "../errors.js";
import type { LlamaConfig } from "../../models/llama/config.js";
import { matrixDtype } from "../../models/llama/dtype-recipe.js";
import { expectedTensors } from "../../models/llama/weights.js";
import { ggufPlace, ggufTied, hfTensorsOf, permutedHeads, permuteRows, ropePermuted, ROPE_FREQS } from "./names.js";

/**
 * The dtype the GGUF matrix `hfName` (rows of `cols` weights) of type `type` is held in. Without a
 * requested dtype: ggufHeldDtype's (F32 as an f32 Tensor, a type mini multiplies as its blocks, any
 * other decoded into q8_0 where that is exact, else f16). With one (the user's --dtype): its dtype
 * under the recipe (dtype-recipe.ts; `tied`: the file has no output.weight), the requested dtype
 * for all but the output matrix.
 */
export function heldDtype(type: GgmlType, requested: WeightDtype | undefined, hfName: string, cols: number, tied: boolean): WeightDtype {
  return requested === undefined ? ggufHeldDtype(type) : matrixDtype(requested, hfName, cols, tied);
}

/** A GGUF TensorSource, plus matrices as held (loadLlamaWeights' matrix loader). */
export type GgufTensorSource = TensorSource & { loadMatrix(name: string): LinearWeight };

/**
 * `dtype`: the user's requested dtype (undefined: ggufHeldDtype's). In `loadMatrix`, a matrix
 * whose ggufHeldDtype is it is wrapped (or decoded into it, one matrix at a time); any other is decoded to an f32 Tensor, and the Llama
 * converts it to `dtype` (compactLlamaWeights), freeing the f32 copy at once.
 */
export function ggufTensorSource(f: GgufFile, numHeads: number, numKvHeads: number, dtype?: WeightDtype): GgufTensorSource {
  const permuted = ropePermuted(String(f.value("general.architecture")));
  const tied = ggufTied(f);
  // HF name → the GGUF tensor holding it (and which expert of a stacked tensor).
  const places = new Map<string, { t: GgufTensorInfo; expert: number | null }>();
  for (const t of f.tensors) {
    if (t.name === ROPE_FREQS) continue; // the RoPE frequency factors, read into the config (hyperparams.ts)
    const held = hfTensorsOf(t.name, t.shape);
    if (held === undefined) throw new ModelLoadError(f.file, `tensor "${t.name}"`, "not a tensor of mini's Llama; refusing to ignore it");
    if (!t.type.supported) {
      throw new ModelLoadError(f.file, `tensor "${t.name}"`, `tensor type ${t.type.name} is not supported (supported: ${Object.keys(GGML_TYPE_ID).join(", ")})`);
    }
    for (const { hf, expert } of held) places.set(hf, { t, expert });
  }
  const place = (name: string) => {
    const p = places.get(name);
    if (p === undefined) throw new ModelLoadError(f.file, `tensor "${ggufPlace(name)?.name ?? name}"`, "missing");
    return p;
  };
  const shapeOf = (p: { t: GgufTensorInfo; expert: number | null }) => (p.expert === null ? p.t.shape : p.t.shape.slice(1));
  return {
    has: (name) => places.has(name),
    names: () => [...places.keys()],
    info: (name) => ({ shape: shapeOf(place(name)), dtype: place(name).t.type.name }),
    get: (name, opts = {}): Tensor => decoded(name, opts.pinned !== false),
    loadMatrix: (name): LinearWeight => {
      const { t } = place(name);
      const type = t.type.name as GgmlType;
      const held = heldDtype(type, dtype, name, t.shape.at(-1)!, tied);
      // Held as ggufHeldDtype says: the blocks go to the kernels as they are, or decoded into it (ggufWeightMatrix).
      const asStored = held !== "f32" && ggufHeldDtype(type) === held;
      return asStored ? ggufWeightMatrix(f, t.name, rowsInHfOrder(name)) : decoded(name, true);
    },
    fileOf: () => f.file,
  };

  /** The stored bytes (one expert's of a stacked tensor) with Wq/Wk rows back in HF order (a copy only when permuted). */
  function rowsInHfOrder(name: string): Uint8Array {
    const { t, expert } = place(name);
    const bytes = expert === null ? f.bytes(t.name) : f.bytes(t.name, (expert * t.byteLength) / t.shape[0]!, t.byteLength / t.shape[0]!);
    const heads = permuted ? permutedHeads(name, numHeads, numKvHeads) : undefined;
    return heads === undefined ? bytes : permuteRows(bytes, t.shape[0]!, t.byteLength / t.shape[0]!, heads, false);
  }
  function decoded(name: string, pinned: boolean): Tensor {
    const p = place(name);
    const shape = [...shapeOf(p)];
    const out = pinned ? Tensor.pinned(shape) : Tensor.zeros(shape);
    dequantize(p.t.type.name as GgmlType, rowsInHfOrder(name), out.size, out.data);
    return out;
  }
}

/**
 * Every tensor the config calls for, by its llama.cpp name, present with the right shape (the
 * weights loader would check too, but would name the HF tensor, not the one in this file).
 */
export function checkGgufTensors(f: GgufFile, c: LlamaConfig): void {
  const a = String(f.value("general.architecture"));
  for (const [hf, hfShape] of expectedTensors(c)) {
    let { name: g, expert } = ggufPlace(hf)!;
    // An older file's per-expert 2-D tensors (blk.N.ffn_gate.E.weight) instead of a stacked one.
    const split = expert === null ? null : g.replace(/_exps\.weight$/, `.${expert}.weight`);
    if (split !== null && !f.has(g) && f.has(split)) [g, expert] = [split, null];
    const shape = expert === null ? hfShape : [c.moe!.numExperts, ...hfShape];
    if (!f.has(g)) throw new ModelLoadError(f.file, `tensor "${g}"`, "missing");
    const got = f.tensor(g).shape;
    if (got.length !== shape.length || got.some((d, i) => d !== shape[i])) {
      throw new ModelLoadError(f.file, `tensor "${g}"`, `expected shape [${shape.join(", ")}] (row-major) from the ${a}.* keys, got [${got.join(", ")}]`);
    }
  }
}
