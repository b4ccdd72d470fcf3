/**
 * Loads a GGUF file into the inference Llama: hyper-parameters from `{arch}.*` keys, weights by
 * llama.cpp's tensor names (decoded to float32 on load), the tokenizer and chat template from
 * `tokenizer.*` keys. Faults are ModelLoadError (model) or TokenizerLoadError (tokenizer), naming
 * the file and the key or tensor.
 */
import { GgufError, readGguf, type GgufFile } from "@mini/tensor";
import { ModelLoadError } from "../errors.js";
import type { LlamaConfig } from "../../models/llama/config.js";
import { LlamaModel, type LlamaModelOptions } from "../../models/llama/model.js";
import { loadLlamaWeights } from "../../models/llama/weights.js";
import { tokenizerFromGguf } from "../../tokenizers/gguf/from-gguf.js";
import type { Tokenizer } from "../../tokenizers/tokenizer.js";
import { configFromGguf } from "./hyperparams.js";
import { checkGgufTensors, ggufTensorSource } from "./source.js";

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
  const source = ggufTensorSource(f, config.numHeads, config.numKvHeads);
  checkGgufTensors(f, config);
  checkFitsAsF32(f);
  const model = new LlamaModel(config, loadLlamaWeights(config, source), opts);
  return { file: f.file, gguf: f, model, config, tokenizer, eosTokenIds: config.eosTokenIds, bosTokenId: config.bosTokenId };
}

/** WASM32 memory is at most 4 GiB; weights plus the run state and KV cache must fit in it. */
const MAX_WEIGHT_BYTES = 3.5 * 2 ** 30;

/**
 * Tensors are decoded to float32 on load, so a quantized file needs ~4-8× its size: refuse up
 * front, naming the sizes, rather than fail on a WASM memory grow halfway through loading.
 */
export function checkFitsAsF32(f: Pick<GgufFile, "file" | "tensors">): void {
  const bytes = f.tensors.reduce((a, t) => a + t.elements * 4, 0);
  if (bytes > MAX_WEIGHT_BYTES) {
    const gb = (n: number): string => (n / 2 ** 30).toFixed(1);
    throw new ModelLoadError(
      f.file,
      undefined,
      `the weights need ${gb(bytes)} GiB as float32 (GGUF tensors are decoded on load), more than the ${gb(MAX_WEIGHT_BYTES)} GiB mini's 4 GiB WASM memory leaves for them`,
    );
  }
}
