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
 * both read what the trainer wrote.
 */
import { existsSync, join, mkdirSync, readFileSync, renameSync, resolve, writeFileSync } from "#platform/fs";
import { readSafetensors, serializeSafetensors } from "@mini/tensor";
import { ParamSource } from "@mini/nn";
import { tokenizerFromJson } from "../../tokenizers/hf/load.js";
import type { Tokenizer } from "../../tokenizers/tokenizer.js";
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
  const files = hfModelDirFiles(model, opts);
  const root = resolve(dir);
  mkdirSync(root, { recursive: true });
  for (const [name, bytes] of Object.entries(files)) writeAtomic(join(root, name), bytes);
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
  const json = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value, null, 2) + "\n");

  return {
    "model.safetensors": serializeSafetensors(model.module.stateDict(), { format: "pt" }),
    "config.json": json(toHfConfig(model.config, { eosTokenId, ...(padTokenId !== undefined ? { padTokenId } : {}) })),
    "generation_config.json": json({
      eos_token_id: eosTokenId,
      ...(padTokenId !== undefined ? { pad_token_id: padTokenId } : {}),
      do_sample: false,
      max_length: model.config.maxSeqLen,
      transformers_version: "4.44.0",
    }),
    "tokenizer.json": json(opts.tokenizerJson),
    "tokenizer_config.json": json({
      ...opts.tokenizerConfig,
      eos_token: eosToken,
      model_max_length: model.config.maxSeqLen,
      chat_template: USER_ASSISTANT_CHAT_TEMPLATE,
    }),
  };
}

export interface LoadedTinyLlamaDir {
  readonly model: TinyLlama;
  readonly tokenizer: Tokenizer;
  readonly tokenizerJson: Record<string, unknown>;
  readonly tokenizerConfig: Record<string, unknown>;
}

/** Reads a directory written by saveAsHfModelDir back into the trainable model (errors name the file). */
export function loadTinyLlamaDir(dir: string): LoadedTinyLlamaDir {
  const root = resolve(dir);
  const file = (name: string): string => {
    const p = join(root, name);
    if (!existsSync(p)) throw new Error(`${p}: missing (expected a model directory written by saveAsHfModelDir)`);
    return p;
  };
  const config = fromHfConfig(readJson(file("config.json")), join(root, "config.json"));
  const tokenizerJson = readJson(file("tokenizer.json")) as Record<string, unknown>;
  const tokenizerConfig = existsSync(join(root, "tokenizer_config.json"))
    ? (readJson(join(root, "tokenizer_config.json")) as Record<string, unknown>)
    : {};
  const weightsPath = file("model.safetensors");
  const model = new TinyLlama(config, ParamSource.fromTensors(readSafetensors(weightsPath), { name: weightsPath }));
  const tokenizer = tokenizerFromJson(tokenizerJson, tokenizerConfig);
  if (tokenizer.vocabSize !== config.vocabSize) {
    throw new Error(`${join(root, "tokenizer.json")}: has ${tokenizer.vocabSize} tokens, config.json says vocab_size ${config.vocabSize}`);
  }
  return { model, tokenizer, tokenizerJson, tokenizerConfig };
}

function writeAtomic(path: string, bytes: Uint8Array): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, path);
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new Error(`${path}: malformed JSON (${(e as Error).message})`);
  }
}
