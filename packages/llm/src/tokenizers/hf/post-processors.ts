/**
 * Post-processors wrap the encoded ids in the model's special tokens. For Llama-style files this
 * is TemplateProcessing with `single: [<s>, $A]`: that, not tokenizer_config.json's
 * `add_bos_token`, is what puts BOS in front in both the Rust crate and @huggingface/tokenizers
 * (transformers' Python LlamaTokenizerFast rebuilds this template from the config flags at
 * load time; `templateFromConfigFlags` does the same when a caller asks for it).
 */

import { asObject, badField, child, isObject, unsupported, type JsonObject, type Origin } from "./errors.js";

/** (ids of A, ids of B or null, add special tokens?) → ids. */
export type PostProcessor = (a: number[], b: number[] | null, addSpecialTokens: boolean) => number[];

type TemplateItem = { special: number[] } | { sequence: "A" | "B" };

export function createPostProcessor(origin: Origin, raw: unknown, tokenToId: (t: string) => number | undefined): PostProcessor | null {
  if (raw === null || raw === undefined) return null;
  const cfg = asObject(origin, "", raw);
  switch (cfg["type"]) {
    case "TemplateProcessing":
      return templateProcessing(origin, cfg, tokenToId);
    case "ByteLevel":
      // Only adjusts offsets, which we do not track: no processing at all.
      return null;
    case "BertProcessing":
    case "RobertaProcessing": {
      const [cls, sep] = [pair(origin, cfg, "cls"), pair(origin, cfg, "sep")];
      const roberta = cfg["type"] === "RobertaProcessing";
      return (a, b, add) => {
        if (!add) return b === null ? a : [...a, ...b];
        const first = [cls, ...a, sep];
        return b === null ? first : [...first, ...(roberta ? [sep] : []), ...b, sep];
      };
    }
    case "Sequence": {
      const list = cfg["processors"];
      if (!Array.isArray(list)) throw badField(origin, "processors", "an array", list);
      const parts = list
        .map((p, i) => createPostProcessor(child(origin, `processors[${i}]`), p, tokenToId))
        .filter((p): p is PostProcessor => p !== null);
      // In practice a Sequence is [ByteLevel, TemplateProcessing]: one processor that acts.
      if (parts.length > 1) throw unsupported(origin, "post_processor", "Sequence of several acting processors");
      return parts[0] ?? null;
    }
    default:
      throw unsupported(origin, "post_processor", cfg["type"]);
  }
}

/** `cls` / `sep` of Bert/Roberta processing: `[token, id]`. */
function pair(origin: Origin, cfg: JsonObject, field: string): number {
  const v = cfg[field];
  if (!Array.isArray(v) || typeof v[1] !== "number") throw badField(origin, field, "[token, id]", v);
  return v[1];
}

function templateProcessing(origin: Origin, cfg: JsonObject, tokenToId: (t: string) => number | undefined): PostProcessor {
  // special_tokens: { "<s>": { id: "<s>", ids: [1], tokens: ["<s>"] } }; its ids win, as in Rust.
  const specials = isObject(cfg["special_tokens"]) ? cfg["special_tokens"] : {};
  const idsOf = (name: string): number[] => {
    const entry = specials[name];
    if (isObject(entry) && Array.isArray(entry["ids"]) && entry["ids"].every((x) => typeof x === "number")) {
      return entry["ids"] as number[];
    }
    const id = tokenToId(name);
    if (id === undefined) throw badField(origin, `special_tokens[${JSON.stringify(name)}]`, "a token of the vocab", name);
    return [id];
  };
  const readTemplate = (field: string): TemplateItem[] => {
    const list = cfg[field];
    if (!Array.isArray(list)) throw badField(origin, field, "an array of template items", list);
    return list.map((item: unknown, i): TemplateItem => {
      if (isObject(item) && isObject(item["SpecialToken"]) && typeof item["SpecialToken"]["id"] === "string") {
        return { special: idsOf(item["SpecialToken"]["id"]) };
      }
      if (isObject(item) && isObject(item["Sequence"]) && (item["Sequence"]["id"] === "A" || item["Sequence"]["id"] === "B")) {
        return { sequence: item["Sequence"]["id"] };
      }
      throw badField(origin, `${field}[${i}]`, "{SpecialToken: …} or {Sequence: …}", item);
    });
  };
  const single = readTemplate("single");
  const pairTemplate = cfg["pair"] === undefined || cfg["pair"] === null ? null : readTemplate("pair");
  return (a, b, add) => {
    const template = b === null ? single : pairTemplate;
    if (template === null) throw badField(origin, "pair", "a pair template (a second text was given)", null);
    const out: number[] = [];
    for (const item of template) {
      if ("special" in item) {
        if (add) for (const id of item.special) out.push(id);
      } else {
        // A loop, not push(...ids): spreading a long prompt's ids as arguments overflows the stack.
        for (const id of item.sequence === "A" ? a : (b ?? [])) out.push(id);
      }
    }
    return out;
  };
}

/**
 * The template transformers' LlamaTokenizerFast builds from tokenizer_config.json's
 * `add_bos_token` / `add_eos_token`: `[bos] $A [eos]` and `[bos] $A [eos] [bos] $B [eos]`,
 * each special present only if its flag is on.
 */
export function templateFromConfigFlags(bos: number | undefined, eos: number | undefined, addBos: boolean, addEos: boolean): PostProcessor {
  const pre = addBos && bos !== undefined ? [bos] : [];
  const post = addEos && eos !== undefined ? [eos] : [];
  return (a, b, add) => {
    if (!add) return b === null ? a : [...a, ...b];
    const first = [...pre, ...a, ...post];
    return b === null ? first : [...first, ...pre, ...b, ...post];
  };
}
