/**
 * The trainable Llama as a HuggingFace model directory, and back:
 *
 *   config.json              LlamaForCausalLM hyper-parameters
 *   model.safetensors        the state dict under HF names (F32)
 *   tokenizer.json           the word-level tokenizer
 *   tokenizer_config.json    its config plus a chat_template rendering "User: … Assistant:"
 *   generation_config.json   `</s>` as end of sequence, greedy by default
 *
 * So `transformers.AutoModelForCausalLM.from_pretrained(dir)` and @mini/llm's inference loader
 * both read what the trainer wrote. The files are read and written by ../trained-model-dir.ts.
 */
import { tokenizerFromJson } from "../../tokenizers/hf/load.js";
import { loadTrainedDir, trainedModelFiles, writeModelDir, type LoadedTrainedDir } from "../trained-model-dir.js";
import { fromHfConfig, toHfConfig } from "./config.js";
import { TinyLlama } from "./model.js";

/**
 * Renders the training format, "User: q Assistant:" (then "a </s>" for a given answer). The model
 * is trained on single exchanges within an 80-token context, like RustGPT's, so only the last user
 * message and what follows it are rendered: every chat turn is answered as a fresh question (the
 * way rustgpt-ts answers), and a chat front end that keeps history still gets the same answers.
 * System messages are dropped: the model never saw any.
 */
export const USER_ASSISTANT_CHAT_TEMPLATE =
  "{%- set ns = namespace(start=0) -%}" +
  "{%- for message in messages -%}{%- if message['role'] == 'user' -%}{%- set ns.start = loop.index0 -%}{%- endif -%}{%- endfor -%}" +
  "{%- for message in messages[ns.start:] -%}" +
  "{%- if message['role'] == 'user' -%}{{ 'User: ' + (message['content'] | trim) + ' ' }}" +
  "{%- elif message['role'] == 'assistant' -%}{{ 'Assistant: ' + (message['content'] | trim) + ' ' + eos_token + ' ' }}" +
  "{%- endif -%}" +
  "{%- endfor -%}" +
  "{%- if add_generation_prompt -%}{{ 'Assistant:' }}{%- endif -%}";

export interface SaveHfOptions {
  /** The tokenizer.json object (WordLevelBuild.json). */
  tokenizerJson: Record<string, unknown>;
  /** The tokenizer_config.json object (WordLevelBuild.config); chat_template and model_max_length are added. */
  tokenizerConfig: Record<string, unknown>;
  /** End-of-sequence token (default "</s>"). */
  eosToken?: string;
}

/** Writes `model` as an HF Llama directory (created if needed; files replaced one by one, each atomically). */
export function saveAsHfModelDir(dir: string, model: TinyLlama, opts: SaveHfOptions): void {
  writeModelDir(dir, hfModelDirFiles(model, opts));
}

/**
 * The files of the HF Llama directory of `model`, in memory (file name → bytes): what
 * saveAsHfModelDir writes, and what a browser zips for download.
 */
export function hfModelDirFiles(model: TinyLlama, opts: SaveHfOptions): Record<string, Uint8Array> {
  const eosToken = opts.eosToken ?? "</s>";
  const tokenizer = tokenizerFromJson(opts.tokenizerJson, opts.tokenizerConfig);
  const eosTokenId = tokenizer.tokenToId(eosToken);
  if (eosTokenId === undefined) throw new Error(`saveAsHfModelDir: the tokenizer has no end-of-sequence token "${eosToken}"`);
  if (tokenizer.vocabSize !== model.config.vocabSize) {
    throw new Error(`saveAsHfModelDir: the tokenizer has ${tokenizer.vocabSize} tokens, the model's vocab_size is ${model.config.vocabSize}`);
  }
  const padToken = typeof opts.tokenizerConfig["pad_token"] === "string" ? (opts.tokenizerConfig["pad_token"] as string) : undefined;
  const padTokenId = padToken === undefined ? undefined : tokenizer.tokenToId(padToken);
  return trainedModelFiles({
    configFile: "config.json",
    config: toHfConfig(model.config, { eosTokenId, ...(padTokenId !== undefined ? { padTokenId } : {}) }),
    stateDict: model.module.stateDict(),
    tokenizerJson: opts.tokenizerJson,
    tokenizerConfig: {
      ...opts.tokenizerConfig,
      eos_token: eosToken,
      model_max_length: model.config.maxSeqLen,
      chat_template: USER_ASSISTANT_CHAT_TEMPLATE,
    },
    extraJson: {
      "generation_config.json": {
        eos_token_id: eosTokenId,
        ...(padTokenId !== undefined ? { pad_token_id: padTokenId } : {}),
        do_sample: false,
        max_length: model.config.maxSeqLen,
        transformers_version: "4.44.0",
      },
    },
  });
}

export type LoadedTinyLlamaDir = LoadedTrainedDir<TinyLlama>;

/** Reads a directory written by saveAsHfModelDir back into the trainable model (errors name the file). */
export function loadTinyLlamaDir(dir: string): LoadedTinyLlamaDir {
  return loadTrainedDir(dir, "config.json", fromHfConfig, (config, params) => new TinyLlama(config, params));
}
