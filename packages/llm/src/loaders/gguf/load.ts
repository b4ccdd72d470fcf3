/**
 * Loads a GGUF file into the inference Llama: hyper-parameters from `{arch}.*` keys, weights by
 * llama.cpp's tensor names (matrices kept in their stored blocks as compact WeightMatrix, or in
 * `opts.dtype` when one is given; source.ts heldDtype), the tokenizer and chat template from
 * `tokenizer.*` keys. Faults are ModelLoadError (model) or TokenizerLoadError (tokenizer), naming
 * the file and the key or tensor.
 */
import { compact, ggufHeldDtype, GgufError, readGguf, rowBytes, type GgmlType, type GgufFile, type WeightDtype } from "@mini/tensor";
import { ModelLoadError } from "../errors.js";
import type { LlamaConfig } from "../../models/llama/config.js";
import { reserveModelHeap } from "../../models/llama/heap-budget.js";
import { LlamaModel, type LlamaModelOptions } from "../../models/llama/model.js";
import { loadLlamaWeights } from "../../models/llama/weights.js";
import { tokenizerFromGguf } from "../../tokenizers/gguf/from-gguf.js";
import type { Tokenizer } from "../../tokenizers/tokenizer.js";
import { configFromGguf } from "./hyperparams.js";
import { GGUF_OUTPUT, hfName } from "./names.js";
import { checkGgufTensors, ggufTensorSource, heldDtype } from "./source.js";

export interface LoadedGguf {
  readonly file: string;
  readonly gguf: GgufFile;
  readonly model: LlamaModel;
  readonly config: LlamaConfig;
  readonly tokenizer: Tokenizer;
  /** tokenizer.ggml.eos_token_id (and eot_token_id when the file has one). */
  readonly eosTokenIds: readonly number[];
  readonly bosTokenId: number | null;
}

/** Opens and validates the file (header, then hyper-parameters, then tensor names and types) before loading any weight. */
export function openGguf(path: string): GgufFile {
  try {
    return readGguf(path);
  } catch (e) {
    if (e instanceof GgufError) throw new ModelLoadError(e.file, e.subject, e.reason);
    throw e;
  }
}

export function loadGgufModel(path: string, opts: LlamaModelOptions = {}): LoadedGguf {
  const f = openGguf(path);
  const config = configFromGguf(f);
  const tokenizer = tokenizerFromGguf(f);
  if (tokenizer.vocabSize !== config.vocabSize) {
    throw new ModelLoadError(f.file, `key "tokenizer.ggml.tokens"`, `${tokenizer.vocabSize} tokens, but token_embd.weight has ${config.vocabSize} rows`);
  }
  const source = ggufTensorSource(f, config.numHeads, config.numKvHeads, opts.dtype);
  checkGgufTensors(f, config);
  checkFitsInMemory(f, opts.dtype);
  reserveModelHeap(config, opts, `the model in ${f.file}`, heldWeightBytes(f, opts.dtype)); // one memory growth at most
  const model = new LlamaModel(config, loadLlamaWeights(config, source, source.loadMatrix), opts);
  return { file: f.file, gguf: f, model, config, tokenizer, eosTokenIds: config.eosTokenIds, bosTokenId: config.bosTokenId };
}

/** WASM32 memory is at most 4 GiB; weights plus the run state and KV cache must fit in it. */
const MAX_WEIGHT_BYTES = 3.5 * 2 ** 30;

type TensorSizes = Pick<GgufFile, "file"> & {
  readonly tensors: readonly { readonly name?: string; readonly shape: readonly number[]; readonly elements: number; readonly type: { readonly name: string } }[];
};

/**
 * The bytes the weights take in the WASM heap once loaded: each matrix (each expert's) in its held
 * dtype (heldDtype: ggufHeldDtype's — as stored, or q8_0 / f16 for a type decoded at load — or its
 * dtype under the requested one's recipe), each vector as f32;
 * plus, when matrices are converted through f32 (held in a dtype other than the stored one), the
 * largest such matrix's f32 copy, alive while it is converted.
 */
export function heldWeightBytes(f: TensorSizes, dtype: WeightDtype | undefined): number {
  let held = 0;
  let transient = 0;
  const tied = !f.tensors.some((t) => t.name === GGUF_OUTPUT); // ggufTied
  for (const t of f.tensors) {
    if (t.shape.length < 2) {
      held += 4 * t.elements;
      continue;
    }
    // A matrix, or stacked matrices [experts, rows, cols] (each converted on its own).
    const cols = t.shape.at(-1)!;
    const type = t.type.name as GgmlType;
    const d = heldDtype(type, dtype, hfName(t.name ?? "") ?? "", cols, tied);
    // a K-quant needs rows of whole super-blocks: refused here, before any weight loads
    if (compact.isKQuant(d)) compact.checkKQuantRow(d, cols, `${f.file}: tensor "${t.name ?? "?"}"`);
    held += (t.elements / cols) * rowBytes(d, cols);
    if (dtype !== undefined && d !== "f32" && ggufHeldDtype(type) !== d) transient = Math.max(transient, 4 * t.shape.at(-2)! * cols);
  }
  return held + transient;
}

/** Refuses, up front and naming the sizes, weights that would not fit, rather than fail on a WASM memory grow halfway through loading. */
export function checkFitsInMemory(f: TensorSizes, dtype: WeightDtype | undefined): void {
  const bytes = heldWeightBytes(f, dtype);
  if (bytes > MAX_WEIGHT_BYTES) {
    const gb = (n: number): string => (n / 2 ** 30).toFixed(1);
    const how = dtype === undefined ? "with matrices as stored" : `with matrices as ${dtype}`;
    throw new ModelLoadError(f.file, undefined, `the weights need ${gb(bytes)} GiB ${how}, more than the ${gb(MAX_WEIGHT_BYTES)} GiB mini's 4 GiB WASM memory leaves for them`);
  }
}
