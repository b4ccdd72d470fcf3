import { Tensor } from "../tensor.js";

/**
 * Named tensors to read from, the one TensorSource type of mini: a safetensors file
 * (SafetensorsFile is one), the shards of a model directory and a GGUF file under HF names (both in
 * @mini/llm's loaders), or tensors in memory (`tensorRecordSource`). nn's ParamSource reads every
 * model's weights through one, resolving aliases and checking shapes and unused names there.
 *
 * The seam for more sources and dtypes: a source decides how its bytes become a Tensor in `get`
 * (decoding F16/BF16/GGML blocks to float32 today); `readF32`, where a source has it, reads a
 * tensor piece by piece, so a loader can convert it to a compact dtype (WeightMatrix.encodeRows)
 * with no float32 copy of the whole tensor anywhere.
 */
export interface TensorSource {
  /** The stored tensor names (aliases not included). */
  names(): string[];
  has(name: string): boolean;
  /** The stored shape (and dtype, where the source has one); no data is read. */
  info(name: string): { readonly shape: readonly number[]; readonly dtype?: string };
  /** The tensor as float32: a fresh Tensor, never one the caller of the source still holds. pinned: in the WASM heap. */
  get(name: string, opts?: { pinned?: boolean }): Tensor;
  /**
   * Elements [start, start + into.length) of the tensor (row-major) as float32 into `into`, reading
   * only those from the file (through no buffer larger than `into`).
   */
  readF32?(name: string, start: number, into: Float32Array): void;
  /** If `name` is absent but recorded as another name for a stored tensor (HF's tied weights), that name. */
  resolveAlias?(name: string): string | undefined;
  /** The file that holds `name` (or would, for a missing one), for error messages. */
  fileOf?(name: string): string;
}

/** True when `t` has TensorSource's methods (a plain Record<string, Tensor> has not). */
export function isTensorSource(t: unknown): t is TensorSource {
  const f = t as Partial<TensorSource> | null;
  return typeof f === "object" && f !== null && typeof f.names === "function" && typeof f.get === "function" && typeof f.info === "function";
}

/** A TensorSource over tensors in memory (a state dict, tests, a conversion); `get` copies. */
export function tensorRecordSource(tensors: Record<string, Tensor>, label = "<tensors>"): TensorSource {
  const at = (name: string): Tensor => {
    if (!Object.hasOwn(tensors, name)) throw new RangeError(`${label}: no tensor "${name}"`);
    return tensors[name]!;
  };
  return {
    names: () => Object.keys(tensors),
    has: (name) => Object.hasOwn(tensors, name),
    info: (name) => ({ shape: at(name).shape }),
    get: (name, opts = {}) => {
      const t = at(name);
      const out = opts.pinned ? Tensor.pinned(t.shape) : Tensor.zeros(t.shape);
      out.data.set(t.data);
      return out;
    },
    fileOf: () => label,
  };
}
