/**
 * How llama.cpp pre-tokenizes a byte-level (`gpt2`) GGUF tokenizer, by `tokenizer.ggml.pre`
 * (llama.cpp src/llama-vocab.cpp: the `tokenizer_pre == …` chain picks a pre-type and its flags,
 * `llm_tokenizer_bpe` its `regex_exprs`). Regexes are applied one after the other, each cutting
 * every piece into its matches and the text between them (tokenizer.json: a Sequence of Split
 * with behavior Isolated). They are written in the Oniguruma dialect of tokenizer.json (the HF
 * loader translates them); where llama.cpp runs an adapted spelling of a tokenizer.json regex
 * (its std::regex cannot read `(?i:…)` or `\p{Lu}`), the adapted one is the one written here,
 * since that is what the GGUF file is tokenized by. One home: the reader picks by name, the
 * writer (to-gguf.ts) names a tokenizer.json pre-tokenizer by finding its regexes here.
 *
 * Not here (refused by name): pre-types whose splitting is hand-written C++ (kimi-k2, afmoe,
 * tiny_aya), that skip byte-level encoding (gemma4, sarvam-moe, whitespace), add a separator
 * token (jina-v1-en, roberta-bpe, …) or drop BOS (chatglm-bpe, glm4), chameleon, superbpe, and
 * youtu (llama.cpp reads its \p{Lu} / \p{Ll} as any letter).
 * Names llama.cpp reads as one pre-type but with another `clean_spaces` (its detokenizer's clean-up,
 * clean-spaces.ts) are separate entries.
 */

/** One pre-type of llama.cpp, under every name it reads as that pre-type. */
export interface PreType {
  /** The names in tokenizer.ggml.pre; the first is the one the writer uses. */
  readonly names: readonly string[];
  /** Split regexes, applied in order. */
  readonly regexes: readonly string[];
  /** llama.cpp takes a whole word from the vocabulary before merging (ignore_merges). */
  readonly ignoreMerges: boolean;
  /** llama.cpp's add_bos when the file has no tokenizer.ggml.add_bos_token. */
  readonly addBos: boolean;
  /** llama.cpp's detokenizer removes spaces before punctuation and some contractions (clean_spaces). */
  readonly cleanSpaces: boolean;
  /** The tokenizer.json regexes llama.cpp's converter also names this pre-type, when they are not
   * `regexes` (llama.cpp splits by its own spelling, which can cut elsewhere; see the README). */
  readonly writtenFrom?: readonly string[];
}

/** GPT-2's word regex (tokenizer.json's ByteLevel `use_regex`). llama.cpp spells it without the
 * final `|\s+`; the two split alike, since llama.cpp keeps the text between matches too. */
export const GPT2_REGEX = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";
const CONTRACTIONS = "(?i:'s|'t|'re|'ve|'m|'ll|'d)";
const LLAMA3 = `${CONTRACTIONS}|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+`;
const QWEN2 = `${CONTRACTIONS}|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+`;
const PORO = " ?[^(\\s|.,!?…。，、।۔،)]+";
// tekken / gpt-4o: llama.cpp's spelling of "an upper-case run then a lower-case run" is
// "letters that are not a-z, then letters that are not A-Z" (any non-ASCII letter is both).
const UPPER = "((?=[\\p{L}])([^a-z]))";
const LOWER = "((?=[\\p{L}])([^A-Z]))";
const TEKKEN = `[^\\r\\n\\p{L}\\p{N}]?${UPPER}*${LOWER}+|[^\\r\\n\\p{L}\\p{N}]?${UPPER}+${LOWER}*|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+`;
const GPT4O =
  `[^\\r\\n\\p{L}\\p{N}]?${UPPER}*${LOWER}+${CONTRACTIONS}?|[^\\r\\n\\p{L}\\p{N}]?${UPPER}+${LOWER}*${CONTRACTIONS}?` +
  "|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
// The same in tokenizer.json's spelling (Mistral's tekken.json / tokenizer.json, o200k files).
const split = (upper: string, lower: string, contraction: string): string =>
  `[^\\r\\n\\p{L}\\p{N}]?${upper}*${lower}+${contraction}|[^\\r\\n\\p{L}\\p{N}]?${upper}+${lower}*${contraction}`;
const HF_UPPER = "[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]";
const HF_LOWER = "[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]";
const TEKKEN_JSON = `${split(HF_UPPER, HF_LOWER, "")}|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+`;
const GPT4O_JSON = `${split(HF_UPPER, HF_LOWER, `${CONTRACTIONS}?`)}|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+`;
const CJK = "[一-龥ࠀ-一가-퟿]+";
const DEEPSEEK_LETTERS =
  "\\s?[A-Za-zµÀ-ÖØ-öø-ƺƼ-ƿǄ-ʓʕ-ʯͰ-ͳͶͷͻ-ͽͿΆΈ-ΊΌΎ-ΡΣ-ϵϷ-ҁҊ-ԯԱ-ՖႠ-ჅᎠ-Ᏽᏸ-ᏽᲐ-ᲺᲽ-Ჿᴀ-ᴫᵫ-ᵷᵹ-ᶚḀ-ἕἘ-Ἕἠ-ὅὈ-Ὅὐ-ὗὙὛὝὟ-ώᾀ-ᾴᾶ-ᾼιῂ-ῄῆ-ῌῐ-ΐῖ-Ίῠ-Ῥῲ-ῴῶ-ῼℂℇℊ-ℓℕℙ-ℝℤΩℨK-ℭℯ-ℴℹℼ-ℿⅅ-ⅉⅎↃↄⰀ-ⱻⱾ-ⳤⳫ-ⳮⳲⳳꙀ-ꙭꚀ-ꚛꜢ-ꝯꝱ-ꞇꞋ-ꞎꭰ-ꮿﬀ-ﬆﬓ-ﬗＡ-Ｚａ-ｚ𐐀-𐑏𐒰-𐓓𐓘-𐓻𐲀-𐲲𐳀-𐳲𑢠-𑣟𞤀-𞥃]+";
const DEEPSEEK3 =
  "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\r\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+| ?[\\p{P}\\p{S}]+[\r\n]*|\\s*[\r\n]+|\\s+(?!\\S)|\\s+";

// Later pre-types, as llama.cpp spells them (contractions in tokenizer.json's spelling, which
// translates to the same JS). bailingmoe: llama.cpp made tokenizer.json's possessive quantifiers greedy.
const QWEN35 = `${CONTRACTIONS}|[^\\r\\n\\p{L}\\p{N}]?[\\p{L}\\p{M}]+|\\p{N}| ?[^\\s\\p{L}\\p{M}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+`;
const SEED_CODER = `${CONTRACTIONS}|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1}| ?[^\\s\\p{L}\\p{N}\\r\\n]+|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+`;
const BAILINGMOE = "'(?:[sSdDmMtT]|[lL][lL]|[vV][eE]|[rR][eE])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]|\\s+(?!\\S)|\\s+";
const EXAONE_MOE = `${CONTRACTIONS}|[^\\r\\n\\p{L}\\p{N}]?(?:\\p{L}\\p{M}*(?: \\p{L}\\p{M}*)*)+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]?|\\s*[\\r\\n]|\\s+(?!\\S)|\\s+`;
const MINICPM5 = `${CONTRACTIONS}|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}+| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+`;
const JAIS2 = `${CONTRACTIONS}|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s{512}(?!\\S)|\\s{256}(?!\\S)|\\s{128}(?!\\S)|\\s{64}(?!\\S)|\\s{32}(?!\\S)|\\s{16}(?!\\S)|\\s{8}(?!\\S)|\\s{4}(?!\\S)|\\s{1,2}(?!\\S)|\\s{1}`;

// clean_spaces is on unless a pre-type turns it off, as in llama.cpp.
type Flags = { ignoreMerges?: boolean; addBos?: boolean; cleanSpaces?: boolean; writtenFrom?: string[] };
const pre = (names: string[], regexes: string[], flags: Flags = {}): PreType => ({
  names,
  regexes,
  ignoreMerges: flags.ignoreMerges ?? false,
  addBos: flags.addBos ?? false,
  cleanSpaces: flags.cleanSpaces ?? true,
  ...(flags.writtenFrom === undefined ? {} : { writtenFrom: flags.writtenFrom }),
});
const noClean = { cleanSpaces: false };

export const PRE_TYPES: readonly PreType[] = [
  pre(["llama-bpe", "llama3", "llama-v3", "falcon3", "falcon-h1", "pixtral", "midm-2.0", "lfm2", "jina-v5-nano"], [LLAMA3], {
    ignoreMerges: true,
    addBos: true,
  }),
  pre(["dbrx", "smaug-bpe"], [LLAMA3]),
  pre(["qwen2", "deepseek-r1-qwen", "kormo", "f2llmv2", "hunyuan", "solar-open", "grok-2"], [QWEN2], noClean),
  pre(["stablelm2", "megrez"], [QWEN2]),
  pre(["gpt-2", "phi-2", "jina-es", "jina-de", "gigachat", "jina-v2-es", "jina-v2-de", "a.x-4.0", "mellum", "modern-bert", "mpt", "olmo", "jais", "exaone4"], [GPT2_REGEX]),
  pre(["trillion", "granite-docling"], [GPT2_REGEX], noClean),
  // Digits one by one, then GPT-2's regex (SmolLM's tokenizer.json: Digits(individual) + ByteLevel).
  pre(["smollm", "command-r"], ["\\p{N}", GPT2_REGEX], noClean),
  pre(["starcoder", "refact", "codeshell", "exaone", "minerva-7b", "mellum2"], ["\\p{N}", GPT2_REGEX]),
  pre(["tekken"], [TEKKEN], { ignoreMerges: true, addBos: true, cleanSpaces: false, writtenFrom: [TEKKEN_JSON] }),
  pre(["gpt-4o", "llama4", "kanana2", "talkie", "minimax-m2"], [GPT4O], { cleanSpaces: false, writtenFrom: [GPT4O_JSON] }),
  pre(["deepseek-llm"], ["[\r\n]", DEEPSEEK_LETTERS, "\\s?[!-/:-~！-／：-～‘-‟　-。]+", "\\s+$", CJK, "\\p{N}+"], noClean),
  pre(["deepseek-coder"], ["[\r\n]", "\\s?\\p{L}+", "\\s?\\p{P}+", CJK, "\\p{N}"], noClean),
  pre(["deepseek-v3", "hunyuan-dense", "joyai-llm"], ["\\p{N}{1,3}", "[一-龥぀-ゟ゠-ヿ]+", DEEPSEEK3], noClean),
  pre(["falcon"], ["[\\p{P}\\$\\+<=>\\^~\\|`]+", GPT2_REGEX, "[0-9][0-9][0-9]"]),
  // What llama.cpp uses when a file names no pre-tokenizer (it warns that quality degrades).
  pre(["default"], ["[\\p{P}\\$\\+<=>\\^~\\|]+", GPT2_REGEX, "\\p{N}+", "[0-9][0-9][0-9]"]),
  pre(["poro-chat"], [PORO], noClean),
  pre(["bloom", "gpt3-finnish"], [PORO]),
  pre(["viking"], [PORO, "\\p{N}"], noClean),
  pre(["qwen35"], [QWEN35], noClean),
  pre(["seed-coder"], [SEED_CODER], noClean),
  pre(["bailingmoe", "bailingmoe2", "llada-moe"], [BAILINGMOE], noClean),
  pre(["exaone-moe"], [EXAONE_MOE]),
  pre(["minicpm5"], ["\\p{N}{1,3}", MINICPM5], { ignoreMerges: true }),
  pre(["jais-2"], [JAIS2]),
  pre(["laguna"], ["[^\\n]+|[\\n]+", QWEN2], noClean),
];

const BY_NAME: ReadonlyMap<string, PreType> = new Map(PRE_TYPES.flatMap((t) => t.names.map((n) => [n, t] as const)));

/** The pre-type llama.cpp reads `name` as, or undefined if mini does not run it. */
export const preTypeByName = (name: string): PreType | undefined => BY_NAME.get(name);

/** Every name mini reads, for error messages. */
export const preTypeNames = (): string[] => [...BY_NAME.keys()];

/** The pre-type splitting by exactly these regexes (or written from them) with this ignore_merges (its first name is written). */
export function preTypeOf(regexes: readonly string[], ignoreMerges: boolean): PreType | undefined {
  const key = JSON.stringify(regexes);
  const same = (t: PreType): boolean => JSON.stringify(t.regexes) === key || (t.writtenFrom !== undefined && JSON.stringify(t.writtenFrom) === key);
  return PRE_TYPES.find((t) => t.ignoreMerges === ignoreMerges && same(t));
}

/** The tokenizer.json pre_tokenizer that splits as `t` does, then maps bytes to GPT-2's characters. */
export function preTokenizerJson(t: PreType): Record<string, unknown> {
  return {
    type: "Sequence",
    pretokenizers: [
      ...t.regexes.map((r) => ({ type: "Split", pattern: { Regex: r }, behavior: "Isolated", invert: false })),
      { type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: false },
    ],
  };
}
