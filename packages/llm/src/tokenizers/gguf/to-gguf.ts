/**
 * A HF tokenizer (tokenizer.json + its loaded HfTokenizer) as GGUF tokenizer metadata, so that
 * llama.cpp tokenizes the way tokenizer.json does:
 *   SentencePiece-style BPE (byte_fallback, "▁" for spaces, no pre-tokenizer) → model "llama",
 *     each merged token scored −(rank of its merge), so score order is merge order;
 *   byte-level BPE (a ByteLevel pre-tokenizer after Splits / Digits llama.cpp knows) → model "gpt2"
 *     with the merges and tokenizer.ggml.pre naming the pre-type that splits the same way.
 * Ids the tokenizer does not cover up to the model's vocab size become "[PAD<id>]" (UNUSED).
 */
import { gguf, type GgufValue } from "@mini/tensor";
import { TokenizerLoadError } from "../hf/errors.js";
import type { Tokenizer } from "../tokenizer.js";
import { GPT2_REGEX, preTypeOf, PRE_TYPES } from "./pre-patterns.js";
import { TOKEN_TYPE } from "./token-types.js";

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Json) : {});

export function ggufTokenizerMetadata(json: unknown, tok: Tokenizer, vocabSize: number, file = "tokenizer.json"): Map<string, GgufValue> {
  const fail = (component: string, reason: string): never => {
    throw new TokenizerLoadError(file, component, `${component}: ${reason} (cannot be written as a GGUF tokenizer)`);
  };
  const root = obj(json);
  const model = obj(root["model"]);
  if (model["type"] !== "BPE" && !Array.isArray(model["merges"])) fail("model", `type ${JSON.stringify(model["type"])}; only BPE models are supported`);
  const vocab = obj(model["vocab"]);
  const merges = (Array.isArray(model["merges"]) ? model["merges"] : []).map((m) => (Array.isArray(m) ? m.join(" ") : String(m)));
  const added = (Array.isArray(root["added_tokens"]) ? root["added_tokens"] : []).map(obj);
  const n = Math.max(vocabSize, tok.vocabSize);
  if (tok.vocabSize > vocabSize) fail("model.vocab", `${tok.vocabSize} tokens, more than the model's vocab size ${vocabSize}`);

  const tokens: string[] = new Array<string>(n).fill("");
  const types: number[] = new Array<number>(n).fill(TOKEN_TYPE.UNUSED);
  const filled = new Uint8Array(n);
  for (const [t, id] of Object.entries(vocab)) {
    if (typeof id !== "number" || id < 0 || id >= n) fail("model.vocab", `token ${JSON.stringify(t)} has id ${String(id)}`);
    tokens[id as number] = t;
    types[id as number] = TOKEN_TYPE.NORMAL;
    filled[id as number] = 1;
  }
  for (const a of added) {
    const id = a["id"] as number;
    tokens[id] = String(a["content"]);
    types[id] = a["special"] === true ? TOKEN_TYPE.CONTROL : TOKEN_TYPE.USER_DEFINED;
    filled[id] = 1;
  }
  for (let i = 0; i < n; i++) if (!filled[i]) tokens[i] = `[PAD${i}]`;

  const byteLevel = JSON.stringify(root["pre_tokenizer"] ?? null).includes('"ByteLevel"');
  const md = new Map<string, GgufValue>();
  if (byteLevel) {
    md.set("tokenizer.ggml.model", gguf.string("gpt2"));
    md.set("tokenizer.ggml.pre", gguf.string(preName(root["pre_tokenizer"], model["ignore_merges"] === true, fail)));
  } else {
    if (model["byte_fallback"] !== true) fail("model.byte_fallback", "a SentencePiece-style BPE needs byte_fallback: true");
    const text = JSON.stringify(root["normalizer"] ?? null) + JSON.stringify(root["pre_tokenizer"] ?? null);
    if (!text.includes("\u2581") && !text.includes("\\u2581")) fail("normalizer", 'expected spaces written as "▁" (Prepend/Replace or Metaspace)');
    const unk = model["unk_token"];
    if (typeof unk === "string" && vocab[unk] !== undefined) types[vocab[unk] as number] = TOKEN_TYPE.UNKNOWN;
    for (let i = 0; i < n; i++) if (types[i] === TOKEN_TYPE.NORMAL && /^<0x[0-9A-F]{2}>$/.test(tokens[i]!)) types[i] = TOKEN_TYPE.BYTE;
    const scores = new Array<number>(n).fill(0);
    const scored = new Uint8Array(n);
    merges.forEach((m, rank) => {
      const id = vocab[m.replace(" ", "")];
      if (typeof id === "number" && !scored[id]) {
        scored[id] = 1;
        scores[id] = -(rank + 1);
      }
    });
    md.set("tokenizer.ggml.model", gguf.string("llama"));
    md.set("tokenizer.ggml.scores", gguf.array("f32", scores));
    md.set("tokenizer.ggml.add_space_prefix", gguf.bool(true));
  }
  md.set("tokenizer.ggml.tokens", gguf.array("string", tokens));
  md.set("tokenizer.ggml.token_type", gguf.array("i32", types));
  if (byteLevel) md.set("tokenizer.ggml.merges", gguf.array("string", merges));

  const idOf = (name: string | undefined): number | undefined => (name === undefined ? undefined : tok.tokenToId(name));
  const ids: [string, number | undefined][] = [
    ["tokenizer.ggml.bos_token_id", tok.bosId],
    ["tokenizer.ggml.eos_token_id", tok.eosId],
    ["tokenizer.ggml.unknown_token_id", idOf(tok.unkToken)],
    ["tokenizer.ggml.padding_token_id", idOf(tok.padToken)],
  ];
  for (const [k, id] of ids) if (id !== undefined) md.set(k, gguf.u32(id));
  // What encode really does (the post-processor decides, not the config flags).
  const withSpecial = tok.encode("a");
  const plain = tok.encode("a", { addSpecialTokens: false });
  md.set("tokenizer.ggml.add_bos_token", gguf.bool(tok.bosId !== undefined && withSpecial[0] === tok.bosId && plain[0] !== tok.bosId));
  md.set("tokenizer.ggml.add_eos_token", gguf.bool(tok.eosId !== undefined && withSpecial.at(-1) === tok.eosId && plain.at(-1) !== tok.eosId));
  if (tok.chatTemplate !== undefined) md.set("tokenizer.chat_template", gguf.string(tok.chatTemplate));
  return md;
}

/**
 * tokenizer.ggml.pre for a byte-level pre-tokenizer: the pre-type with the same regexes, in order,
 * and the same ignore_merges. Digits is the regex \p{N} (one by one) or \p{N}+; ByteLevel with
 * use_regex is GPT-2's regex.
 */
function preName(pre: unknown, ignoreMerges: boolean, fail: (c: string, r: string) => never): string {
  const regexes: string[] = [];
  const walk = (p: Json, at: string): void => {
    if (p["type"] === "Sequence" && Array.isArray(p["pretokenizers"])) p["pretokenizers"].forEach((q, i) => walk(obj(q), `${at}.pretokenizers[${i}]`));
    else if (p["type"] === "Split" && typeof obj(p["pattern"])["Regex"] === "string" && p["behavior"] === "Isolated" && p["invert"] !== true) regexes.push(obj(p["pattern"])["Regex"] as string);
    else if (p["type"] === "Digits") regexes.push(p["individual_digits"] === true ? "\\p{N}" : "\\p{N}+");
    else if (p["type"] === "ByteLevel" && p["add_prefix_space"] !== true) {
      if (p["use_regex"] !== false) regexes.push(GPT2_REGEX);
    } else fail(at, `${JSON.stringify(p)} has no llama.cpp pre-tokenizer`);
  };
  walk(obj(pre), "pre_tokenizer");
  const t = preTypeOf(regexes, ignoreMerges);
  if (t !== undefined) return t.names[0]!;
  const known = PRE_TYPES.map((k) => k.names[0]).join(", ");
  return fail("pre_tokenizer", `splits by ${JSON.stringify(regexes)} with ignore_merges ${ignoreMerges}, which no llama.cpp pre-tokenizer does (known: ${known})`);
}
