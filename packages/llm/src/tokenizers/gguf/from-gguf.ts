/**
 * The tokenizer stored in a GGUF file's metadata (tokenizer.ggml.*, tokenizer.chat_template):
 *   model "llama": SentencePiece by scores with byte fallback (spm.ts);
 *   model "gpt2":  byte-level BPE with merges and the pre-tokenizer named by tokenizer.ggml.pre
 *                  (pre-patterns.ts; none named: llama.cpp's "default"),
 *                  run by the HF tokenizer.json pipeline from an equivalent tokenizer.json;
 *                  decoding cleans spaces up as llama.cpp's detokenizer does (clean-spaces.ts).
 * Anything else is a TokenizerLoadError naming the file and the key.
 */
import type { GgufFile } from "@mini/tensor";
import { TokenizerLoadError } from "../hf/errors.js";
import { tokenizerFromJson } from "../hf/load.js";
import type { Tokenizer } from "../tokenizer.js";
import { llamaCppCleanSpaces } from "./clean-spaces.js";
import { preTokenizerJson, preTypeByName, preTypeNames, type PreType } from "./pre-patterns.js";
import { SpmTokenizer, type GgufVocab } from "./spm.js";
import { TOKEN_TYPE } from "./token-types.js";

export function tokenizerFromGguf(f: GgufFile): Tokenizer {
  const fail = (key: string, reason: string): never => {
    throw new TokenizerLoadError(f.file, key, `key "${key}": ${reason}`);
  };
  const model = f.value("tokenizer.ggml.model");
  if (model === undefined) fail("tokenizer.ggml.model", "missing (the file has no tokenizer)");
  const tokens = f.value("tokenizer.ggml.tokens");
  if (!Array.isArray(tokens) || !tokens.every((t) => typeof t === "string")) fail("tokenizer.ggml.tokens", "missing or not an array of strings");
  const toks = tokens as string[];
  const numbers = (key: string, dflt: number): number[] => {
    const v = f.value(key);
    if (v === undefined) return toks.map(() => dflt);
    if (!Array.isArray(v) || v.length !== toks.length || !v.every((x) => typeof x === "number")) {
      fail(key, `expected an array of ${toks.length} numbers (one per token)`);
    }
    return v as number[];
  };
  const id = (key: string): number | undefined => {
    const v = f.value(key);
    if (v === undefined) return undefined;
    if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v >= toks.length) fail(key, `expected a token id in [0, ${toks.length}), got ${String(v)}`);
    return v as number;
  };
  const flag = (key: string, dflt: boolean): boolean => {
    const v = f.value(key);
    if (v === undefined) return dflt;
    if (typeof v !== "boolean") fail(key, `expected a bool, got ${String(v)}`);
    return v as boolean;
  };
  const template = f.value("tokenizer.chat_template");
  // The pre-type is read first: it decides llama.cpp's add_bos when the file does not say.
  const preType = model === "gpt2" ? readPreType(f, fail) : undefined;
  const vocab: GgufVocab = {
    tokens: toks,
    scores: numbers("tokenizer.ggml.scores", 0),
    types: numbers("tokenizer.ggml.token_type", TOKEN_TYPE.NORMAL),
    bosId: id("tokenizer.ggml.bos_token_id"),
    eosId: id("tokenizer.ggml.eos_token_id"),
    unkId: id("tokenizer.ggml.unknown_token_id"),
    padId: id("tokenizer.ggml.padding_token_id"),
    addBos: flag("tokenizer.ggml.add_bos_token", model === "llama" || preType?.addBos === true),
    addEos: flag("tokenizer.ggml.add_eos_token", false),
    chatTemplate: typeof template === "string" ? template : undefined,
  };
  if (model === "llama") return new SpmTokenizer(vocab, flag("tokenizer.ggml.add_space_prefix", true));
  if (preType !== undefined) return byteLevelBpe(f, vocab, preType, fail);
  return fail("tokenizer.ggml.model", `unsupported tokenizer model ${JSON.stringify(model)}; supported: "llama", "gpt2"`);
}

/** tokenizer.ggml.pre; a file without one is split as llama.cpp does then, by its "default" regexes. */
function readPreType(f: GgufFile, fail: (key: string, reason: string) => never): PreType {
  const raw = f.value("tokenizer.ggml.pre") ?? "default";
  const t = typeof raw === "string" ? preTypeByName(raw) : undefined;
  if (t === undefined) {
    fail("tokenizer.ggml.pre", `unsupported pre-tokenizer ${JSON.stringify(raw)}; supported: ${preTypeNames().map((k) => JSON.stringify(k)).join(", ")}`);
  }
  return t!;
}

function byteLevelBpe(f: GgufFile, v: GgufVocab, pre: PreType, fail: (key: string, reason: string) => never): Tokenizer {
  const merges = f.value("tokenizer.ggml.merges");
  if (!Array.isArray(merges) || !merges.every((m) => typeof m === "string")) fail("tokenizer.ggml.merges", "missing or not an array of strings");
  const vocabJson: Record<string, number> = {};
  v.tokens.forEach((t, i) => {
    if (!(t in vocabJson)) vocabJson[t] = i;
  });
  const added = v.tokens.flatMap((content, id) => {
    const type = v.types[id];
    if (type !== TOKEN_TYPE.CONTROL && type !== TOKEN_TYPE.USER_DEFINED) return [];
    return [{ id, content, special: type === TOKEN_TYPE.CONTROL, normalized: false, lstrip: false, rstrip: false, single_word: false }];
  });
  const json = {
    added_tokens: added,
    normalizer: null,
    pre_tokenizer: preTokenizerJson(pre),
    post_processor: null,
    decoder: { type: "ByteLevel", add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: { type: "BPE", vocab: vocabJson, merges, ignore_merges: pre.ignoreMerges, byte_fallback: false },
  };
  const name = (i: number | undefined): string | undefined => (i === undefined ? undefined : v.tokens[i]);
  const config = {
    add_bos_token: v.addBos,
    add_eos_token: v.addEos,
    bos_token: name(v.bosId),
    eos_token: name(v.eosId),
    unk_token: name(v.unkId),
    pad_token: name(v.padId),
    chat_template: v.chatTemplate,
    clean_up_tokenization_spaces: pre.cleanSpaces,
  };
  return tokenizerFromJson(json, config, { specialTokensFrom: "config", files: { tokenizer: f.file, config: f.file }, cleanUp: llamaCppCleanSpaces });
}
