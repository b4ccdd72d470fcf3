/**
 * tokenizer_config.json (and special_tokens_map.json, its older fallback for the special
 * tokens): the flags and names transformers keeps outside tokenizer.json. Tokens may be written
 * as strings or as `{ "content": … }` objects; `chat_template` as a string or as a list of
 * `{ name, template }` from which "default" is taken.
 */

import { badField, isObject, type JsonObject, type Origin } from "./errors.js";

export interface TokenizerConfig {
  addBosToken?: boolean;
  addEosToken?: boolean;
  bosToken?: string;
  eosToken?: string;
  unkToken?: string;
  padToken?: string;
  additionalSpecialTokens: string[];
  chatTemplate?: string;
  /** transformers' post-decode tidy-up (" ," → ","); @huggingface/tokenizers defaults it to true. */
  cleanUpTokenizationSpaces: boolean;
}

export function readTokenizerConfig(config: unknown, configFile: string, specialTokensMap?: unknown, mapFile = "special_tokens_map.json"): TokenizerConfig {
  const o: Origin = { file: configFile, path: "tokenizer_config" };
  const cfg: JsonObject = config === undefined || config === null ? {} : isObject(config) ? config : badObject(o, config);
  const map: JsonObject = specialTokensMap === undefined || specialTokensMap === null ? {} : isObject(specialTokensMap) ? specialTokensMap : badObject({ file: mapFile, path: "special_tokens_map" }, specialTokensMap);
  const token = (field: string): string | undefined =>
    tokenName(o, cfg, field) ?? tokenName({ file: mapFile, path: "special_tokens_map" }, map, field);
  const flag = (field: string): boolean | undefined => {
    const v = cfg[field];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "boolean") throw badField(o, field, "a boolean", v);
    return v;
  };
  const extra = cfg["additional_special_tokens"] ?? map["additional_special_tokens"] ?? [];
  if (!Array.isArray(extra)) throw badField(o, "additional_special_tokens", "an array", extra);
  const result: TokenizerConfig = {
    additionalSpecialTokens: extra.map((t: unknown, i) => nameOf(o, `additional_special_tokens[${i}]`, t)),
    cleanUpTokenizationSpaces: flag("clean_up_tokenization_spaces") ?? true,
  };
  const set = <K extends keyof TokenizerConfig>(k: K, v: TokenizerConfig[K] | undefined): void => {
    if (v !== undefined) result[k] = v;
  };
  set("addBosToken", flag("add_bos_token"));
  set("addEosToken", flag("add_eos_token"));
  set("bosToken", token("bos_token"));
  set("eosToken", token("eos_token"));
  set("unkToken", token("unk_token"));
  set("padToken", token("pad_token"));
  set("chatTemplate", chatTemplate(o, cfg["chat_template"]));
  return result;
}

function badObject(o: Origin, got: unknown): never {
  throw badField(o, "", "a JSON object", got);
}

function tokenName(o: Origin, cfg: JsonObject, field: string): string | undefined {
  const v = cfg[field];
  return v === undefined || v === null ? undefined : nameOf(o, field, v);
}

function nameOf(o: Origin, field: string, v: unknown): string {
  if (typeof v === "string") return v;
  if (isObject(v) && typeof v["content"] === "string") return v["content"];
  throw badField(o, field, 'a string or {"content": …}', v);
}

function chatTemplate(o: Origin, v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === "string") return v;
  if (Array.isArray(v)) {
    const named = v.filter((x): x is JsonObject => isObject(x) && typeof x["template"] === "string");
    const pick = named.find((x) => x["name"] === "default") ?? named[0];
    return pick === undefined ? undefined : (pick["template"] as string);
  }
  throw badField(o, "chat_template", "a string or a list of {name, template}", v);
}
