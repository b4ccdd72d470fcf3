/**
 * A GGUF file as the Llama's TensorSource: HF names in, llama.cpp tensors out, with Wq/Wk rows put
 * back in HF order (names.ts). Every tensor of the file must be one the Llama uses. Tensors are
 * decoded to float32 on load by the reference decoders (the inference Llama multiplies f32).
 */
import { dequantize, Tensor, type GgmlType, type GgufFile, type TensorSource } from "@mini/tensor";
import { ModelLoadError } from "../errors.js";
import type { LlamaConfig } from "../../models/llama/config.js";
import { expectedTensors } from "../../models/llama/weights.js";
import { ggufName, hfName, permutedHeads, permuteRows, ropePermuted } from "./names.js";

const SUPPORTED = new Set(["F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_K", "Q6_K"]);

export function ggufTensorSource(f: GgufFile, numHeads: number, numKvHeads: number): TensorSource {
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
    get: (name, opts = {}): Tensor => {
      const t = info(name);
      let bytes = f.bytes(t.name);
      const heads = permuted ? permutedHeads(name, numHeads, numKvHeads) : undefined;
      if (heads !== undefined) bytes = permuteRows(bytes, t.shape[0]!, t.byteLength / t.shape[0]!, heads, false);
      const out = opts.pinned === false ? Tensor.zeros([...t.shape]) : Tensor.pinned([...t.shape]);
      dequantize(t.type.name as GgmlType, bytes, t.elements, out.data);
      return out;
    },
    fileOf: () => f.file,
  };
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
