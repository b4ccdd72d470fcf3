/**
 * loadModel(path): the one way to open a model, whatever its source. It looks at what `path` is and
 * hands it to that source's loader:
 *
 *   directory with rustgpt.json   RustGPT architecture, saved by rustgpt-ts --preset rustgpt
 *   directory with config.json    HF Llama/Mistral directory: the fast inference LlamaModel
 *                                 (or, with `trainable: true`, the autograd TinyLlama to train on)
 *   a *.gguf file                 GGUF (llama.cpp): weights, tokenizer and chat template in one file
 *                                 (a further single-file format adds its branch beside it)
 *
 * Every source gives the same shape: model, tokenizer, config, stop ids and chat template.
 */
import { existsSync, join, resolve, statSync } from "#platform/fs";
import { ChatTemplate } from "./chat/template.js";
import { ModelLoadError } from "./loaders/errors.js";
import { loadGgufModel } from "./loaders/gguf/load.js";
import { loadModelDir } from "./loaders/model-dir.js";
import type { LlamaConfig } from "./models/llama/config.js";
import type { LlamaModel, LlamaModelOptions } from "./models/llama/model.js";
import type { RustGptConfig } from "./models/rustgpt/config.js";
import type { RustGptModel } from "./models/rustgpt/model.js";
import { loadRustGptDir, RUSTGPT_CONFIG_FILE } from "./models/rustgpt/model-dir.js";
import type { TinyLlamaConfig } from "./models/tiny-llama/config.js";
import { loadTinyLlamaDir } from "./models/tiny-llama/hf-dir.js";
import type { TinyLlama } from "./models/tiny-llama/model.js";
import { loadTokenizer } from "./tokenizers/hf/load.js";
import type { Tokenizer } from "./tokenizers/tokenizer.js";

interface LoadedCommon {
  /** Absolute path of what was loaded. */
  readonly path: string;
  readonly tokenizer: Tokenizer;
  /** Token ids that end a reply (config.json + generation_config.json, else the tokenizer's eos). */
  readonly eosIds: readonly number[];
  /** The tokenizer's chat template, or the built-in ChatML one when it has none. */
  readonly chatTemplate: ChatTemplate;
}

/** What loadModel returns; `format` tells which model class (and config) it is. */
export type LoadedModel = LoadedCommon &
  (
    | { readonly format: "hf-llama" | "gguf"; readonly model: LlamaModel; readonly config: LlamaConfig }
    | { readonly format: "hf-llama-trainable"; readonly model: TinyLlama; readonly config: TinyLlamaConfig }
    | { readonly format: "rustgpt"; readonly model: RustGptModel; readonly config: RustGptConfig }
  );

export interface LoadModelOptions extends LlamaModelOptions {
  /** Load an HF Llama directory as the trainable TinyLlama (autograd) instead of the inference model. */
  trainable?: boolean;
}

export async function loadModel(path: string, opts: LoadModelOptions = {}): Promise<LoadedModel> {
  const root = resolve(path);
  if (!existsSync(root)) throw new ModelLoadError(root, undefined, "model directory does not exist");
  if (!statSync(root).isDirectory()) {
    if (root.toLowerCase().endsWith(".gguf")) {
      const { trainable: _t, ...ggufOpts } = opts;
      const g = loadGgufModel(root, ggufOpts);
      return { format: "gguf", path: root, model: g.model, config: g.config, tokenizer: g.tokenizer, eosIds: g.eosTokenIds, chatTemplate: ChatTemplate.forTokenizer(g.tokenizer) };
    }
    throw new ModelLoadError(root, undefined, "is a file; expected a model directory (config.json or rustgpt.json beside model.safetensors) or a .gguf file");
  }
  if (existsSync(join(root, RUSTGPT_CONFIG_FILE))) {
    const r = loadRustGptDir(root);
    return { format: "rustgpt", path: root, ...r, config: r.model.config, ...chatParts(r.tokenizer) };
  }
  if (!existsSync(join(root, "config.json"))) {
    throw new ModelLoadError(join(root, "config.json"), undefined, `missing (a model directory has config.json (HF Llama) or ${RUSTGPT_CONFIG_FILE} (RustGPT))`);
  }
  if (opts.trainable) {
    const r = loadTinyLlamaDir(root);
    return { format: "hf-llama-trainable", path: root, ...r, config: r.model.config, ...chatParts(r.tokenizer) };
  }
  const { trainable: _, ...modelOpts } = opts;
  const dir = await loadModelDir(root, modelOpts);
  const tokenizer = await loadTokenizer(root);
  return {
    format: "hf-llama",
    path: root,
    model: dir.model,
    config: dir.config,
    tokenizer,
    eosIds: dir.eosTokenIds.length > 0 ? dir.eosTokenIds : chatParts(tokenizer).eosIds,
    chatTemplate: ChatTemplate.forTokenizer(tokenizer),
  };
}

function chatParts(tokenizer: Tokenizer): { eosIds: readonly number[]; chatTemplate: ChatTemplate } {
  return { eosIds: tokenizer.eosId === undefined ? [] : [tokenizer.eosId], chatTemplate: ChatTemplate.forTokenizer(tokenizer) };
}
