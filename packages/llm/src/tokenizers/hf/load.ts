/**
 * Builds an HfTokenizer from a model directory (tokenizer.json + optional tokenizer_config.json,
 * special_tokens_map.json and chat_template.jinja) or from json already in memory. Any component we do not
 * implement is an error naming the file and the component, never a silent approximation.
 *
 * Whether `encode` adds BOS: by default the post-processor of tokenizer.json decides, which is
 * what the Rust crate and @huggingface/tokenizers 0.2.0 do (the latter ignores `add_bos_token`
 * entirely). transformers' Python LlamaTokenizerFast instead rebuilds the template from
 * tokenizer_config.json's `add_bos_token` / `add_eos_token`; pass
 * `{ specialTokensFrom: "config" }` to get that. The two agree on every file we ship
 * (story: flag true and template with BOS; chat: flag false and template without).
 */

import { existsSync, join, readFile, readFileSync } from "#platform/fs";
import { AddedVocabulary, readAddedTokens } from "./added-tokens.js";
import { BpeModel, type Model } from "./bpe.js";
import { readTokenizerConfig } from "./config.js";
import { createDecoder } from "./decoders.js";
import { asObject, TokenizerLoadError, unsupported, type JsonObject, type Origin } from "./errors.js";
import { HfTokenizer } from "./hf-tokenizer.js";
import { createNormalizer } from "./normalizers.js";
import { createPostProcessor, templateFromConfigFlags } from "./post-processors.js";
import { createPreTokenizer } from "./pre-tokenizers.js";
import { WordLevelModel } from "./word-level.js";

export interface LoadOptions {
  /** Who decides BOS/EOS in `encode`: tokenizer.json's post-processor (default) or the config flags. */
  specialTokensFrom?: "post-processor" | "config";
}

export interface FromJsonOptions extends LoadOptions {
  /** special_tokens_map.json contents: fallback for bos/eos/unk/pad names. */
  specialTokensMap?: unknown;
  /** File names used in error messages. */
  files?: { tokenizer?: string; config?: string; specialTokensMap?: string };
  /** The clean-up `clean_up_tokenization_spaces` turns on, instead of transformers' (GGUF files: llama.cpp's). */
  cleanUp?: (text: string) => string;
  /**
   * chat_template.jinja contents. transformers (since 4.47 it saves the template there) prefers this
   * file to tokenizer_config.json's `chat_template`, so a directory with both renders this one.
   */
  chatTemplateFile?: string;
}

/** The chat template file of a model directory, beside tokenizer_config.json. */
export const CHAT_TEMPLATE_FILE = "chat_template.jinja";

/**
 * Reads `dir`/tokenizer.json (required), tokenizer_config.json, special_tokens_map.json and
 * chat_template.jinja (optional; its template wins over tokenizer_config.json's, as in transformers).
 */
export async function loadTokenizer(dir: string, opts: LoadOptions = {}): Promise<HfTokenizer> {
  const files = fileNames(dir);
  const read = async (file: string, required: boolean): Promise<unknown> => {
    if (!required && !existsSync(file)) return undefined;
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (e) {
      throw readError(file, e);
    }
    return parseJson(file, text);
  };
  const [json, config, map] = await Promise.all([read(files.tokenizer, true), read(files.config, false), read(files.specialTokensMap, false)]);
  let chatTemplateFile: string | undefined;
  try {
    chatTemplateFile = existsSync(files.chatTemplate) ? await readFile(files.chatTemplate, "utf8") : undefined;
  } catch (e) {
    throw readError(files.chatTemplate, e);
  }
  return tokenizerFromJson(json, config, { ...opts, specialTokensMap: map, files, chatTemplateFile });
}

/** Synchronous twin of `loadTokenizer`, for scripts and tests. */
export function loadTokenizerSync(dir: string, opts: LoadOptions = {}): HfTokenizer {
  const files = fileNames(dir);
  const read = (file: string, required: boolean): unknown => {
    if (!required && !existsSync(file)) return undefined;
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (e) {
      throw readError(file, e);
    }
    return parseJson(file, text);
  };
  const [json, config, map] = [read(files.tokenizer, true), read(files.config, false), read(files.specialTokensMap, false)];
  let chatTemplateFile: string | undefined;
  try {
    chatTemplateFile = existsSync(files.chatTemplate) ? readFileSync(files.chatTemplate, "utf8") : undefined;
  } catch (e) {
    throw readError(files.chatTemplate, e);
  }
  return tokenizerFromJson(json, config, { ...opts, specialTokensMap: map, files, chatTemplateFile });
}

/** An HfTokenizer from parsed tokenizer.json (and tokenizer_config.json) contents. */
export function tokenizerFromJson(json: unknown, config?: unknown, opts: FromJsonOptions = {}): HfTokenizer {
  const file = opts.files?.tokenizer ?? "tokenizer.json";
  const root = asObject({ file, path: "tokenizer.json" }, "", json);
  const at = (path: string): Origin => ({ file, path });
  const fromConfig = readTokenizerConfig(config, opts.files?.config ?? "tokenizer_config.json", opts.specialTokensMap, opts.files?.specialTokensMap);
  const cfg = opts.chatTemplateFile === undefined ? fromConfig : { ...fromConfig, chatTemplate: opts.chatTemplateFile };

  const addedTokens = readAddedTokens(at("added_tokens"), root["added_tokens"]);
  const addedIds = new Map(addedTokens.map((t) => [t.content, t.id]));
  const normalizer = createNormalizer(at("normalizer"), root["normalizer"]);
  const preTokenizer = createPreTokenizer(at("pre_tokenizer"), root["pre_tokenizer"]);
  const model = createModel(at("model"), root["model"], addedIds);
  const added = new AddedVocabulary(addedTokens, normalizer);
  const tokenToId = (t: string): number | undefined => model.vocab.toId.get(t);
  let postProcessor = createPostProcessor(at("post_processor"), root["post_processor"], tokenToId);
  if (opts.specialTokensFrom === "config") {
    const bos = cfg.bosToken === undefined ? undefined : tokenToId(cfg.bosToken);
    const eos = cfg.eosToken === undefined ? undefined : tokenToId(cfg.eosToken);
    // LlamaTokenizerFast's defaults when the config is silent: BOS on, EOS off.
    postProcessor = templateFromConfigFlags(bos, eos, cfg.addBosToken ?? true, cfg.addEosToken ?? false);
  }
  const decoder = createDecoder(at("decoder"), root["decoder"], { addedTokens: new Set(addedTokens.map((t) => t.content)) });
  return new HfTokenizer({ normalizer, preTokenizer, model, postProcessor, decoder, added, config: cfg, cleanUp: opts.cleanUp });
}

function createModel(origin: Origin, raw: unknown, addedIds: ReadonlyMap<string, number>): Model {
  const cfg: JsonObject = asObject(origin, "", raw);
  // Old files omit "type"; a BPE model is the one with merges.
  const type = cfg["type"] ?? (Array.isArray(cfg["merges"]) ? "BPE" : undefined);
  switch (type) {
    case "BPE":
      return new BpeModel(origin, cfg, addedIds);
    case "WordLevel":
      return new WordLevelModel(origin, cfg, addedIds);
    default:
      throw unsupported(origin, "model", type);
  }
}

function fileNames(dir: string): { tokenizer: string; config: string; specialTokensMap: string; chatTemplate: string } {
  return {
    tokenizer: join(dir, "tokenizer.json"),
    config: join(dir, "tokenizer_config.json"),
    specialTokensMap: join(dir, "special_tokens_map.json"),
    chatTemplate: join(dir, CHAT_TEMPLATE_FILE),
  };
}

function parseJson(file: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new TokenizerLoadError(file, undefined, `invalid JSON (${(e as Error).message})`);
  }
}

function readError(file: string, e: unknown): TokenizerLoadError {
  const code = (e as NodeJS.ErrnoException).code;
  return new TokenizerLoadError(file, undefined, code === "ENOENT" ? "file not found" : `cannot read file (${(e as Error).message})`);
}
