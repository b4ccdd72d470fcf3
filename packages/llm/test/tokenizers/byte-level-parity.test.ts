/**
 * Byte-level BPE tokenizers we have no local copy of (Llama-3 and GPT-2 style), built in memory:
 * a vocab of the 256 byte-level characters plus merges from a tiny greedy BPE trainer run on a
 * fixed English + code + CJK sample, and the Llama-3 special tokens. Ours must agree with the
 * @huggingface/tokenizers oracle on encode and decode, and decode(encode(s)) must give s back.
 */
import { Tokenizer as Oracle } from "@huggingface/tokenizers";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { tokenizerFromJson } from "../../src/tokenizers/index.js";
import { oracleDecode } from "./helpers.js";

const RUNS = 150;

/** GPT-2's bytes_to_unicode, spelled independently of src/ so a bug there cannot hide here. */
const BYTE_CHARS: string[] = (() => {
  const printable = (b: number): boolean => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  let next = 256;
  return Array.from({ length: 256 }, (_, b) => String.fromCharCode(printable(b) ? b : next++));
})();
const toByteChars = (s: string): string => Array.from(new TextEncoder().encode(s), (b) => BYTE_CHARS[b]!).join("");

const SAMPLE = [
  "Once upon a time, there was a little girl named Lily. She liked to play in the park with her friends.",
  "I'M sure they'll come back; we've seen it, isn't it? You're right, he'd know and she's there.",
  "function add(a, b) {\n  return a + b;\n}\n\nconst x = add(12345, 678);\r\n\tconsole.log(x);",
  "for i in range(10):\n    print(i * 2)  # double\n",
  "日本語のテキストと中文字符，还有한국어 문장입니다。漢字漢字日本語日本語",
  "café naïve résumé Ærøskøbing straße 😀👍🏽 1999 2024 3.14159",
].join("\n");

/** Greedy BPE training: count adjacent pairs over the sample's words, merge the most frequent. */
function trainMerges(text: string, count: number): Array<[string, string]> {
  const words = new Map<string, number>();
  for (const w of text.match(/ ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+/gu) ?? []) {
    const k = Array.from(toByteChars(w)).join("\u0000");
    words.set(k, (words.get(k) ?? 0) + 1);
  }
  let corpus = [...words].map(([k, n]) => ({ syms: k.split("\u0000"), n }));
  const merges: Array<[string, string]> = [];
  while (merges.length < count) {
    const pairs = new Map<string, number>();
    for (const { syms, n } of corpus) {
      for (let i = 0; i + 1 < syms.length; i++) {
        const key = `${syms[i]}\u0000${syms[i + 1]}`;
        pairs.set(key, (pairs.get(key) ?? 0) + n);
      }
    }
    let best: string | undefined;
    let bestN = 0;
    for (const [key, n] of pairs) if (n > bestN || (n === bestN && best !== undefined && key < best)) [best, bestN] = [key, n];
    if (best === undefined) break;
    const [a, b] = best.split("\u0000") as [string, string];
    merges.push([a, b]);
    corpus = corpus.map(({ syms, n }) => {
      const out: string[] = [];
      for (let i = 0; i < syms.length; i++) {
        const merge = i + 1 < syms.length && syms[i] === a && syms[i + 1] === b;
        out.push(merge ? a + b : syms[i]!);
        if (merge) i++;
      }
      return { syms: out, n };
    });
  }
  return merges;
}

const MERGES = trainMerges(SAMPLE, 300);
const WHOLE_WORDS = [" Reykjavík", "Reykjavík", " 東京都庁", " y'all"];
const SPECIALS = ["<|begin_of_text|>", "<|end_of_text|>", "<|eot_id|>"];
const LLAMA3_REGEX =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

function vocabAndAdded(): { vocab: Record<string, number>; added: unknown[] } {
  const vocab: Record<string, number> = {};
  for (const c of BYTE_CHARS) vocab[c] = Object.keys(vocab).length;
  for (const [a, b] of MERGES) if (vocab[a + b] === undefined) vocab[a + b] = Object.keys(vocab).length;
  // Whole words no merge chain reaches (Llama-3 vocabularies have such): only ignore_merges finds them.
  for (const w of WHOLE_WORDS) vocab[toByteChars(w)] ??= Object.keys(vocab).length;
  const base = Object.keys(vocab).length;
  const added = SPECIALS.map((content, i) => ({ id: base + i, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }));
  return { vocab, added };
}

function template(): Record<string, unknown> {
  const id = Object.keys(vocabAndAdded().vocab).length; // <|begin_of_text|>: the first added token
  return {
    type: "TemplateProcessing",
    single: [{ SpecialToken: { id: "<|begin_of_text|>", type_id: 0 } }, { Sequence: { id: "A", type_id: 0 } }],
    pair: [
      { SpecialToken: { id: "<|begin_of_text|>", type_id: 0 } },
      { Sequence: { id: "A", type_id: 0 } },
      { SpecialToken: { id: "<|begin_of_text|>", type_id: 1 } },
      { Sequence: { id: "B", type_id: 1 } },
    ],
    special_tokens: { "<|begin_of_text|>": { id: "<|begin_of_text|>", ids: [id], tokens: ["<|begin_of_text|>"] } },
  };
}

function llama3Json(sequencePost: boolean): Record<string, unknown> {
  const { vocab, added } = vocabAndAdded();
  const byteLevelPost = { type: "ByteLevel", add_prefix_space: true, trim_offsets: false, use_regex: true };
  return {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer: null,
    pre_tokenizer: {
      type: "Sequence",
      pretokenizers: [
        { type: "Split", pattern: { Regex: LLAMA3_REGEX }, behavior: "Isolated", invert: false },
        { type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: false },
      ],
    },
    post_processor: sequencePost ? { type: "Sequence", processors: [byteLevelPost, template()] } : template(),
    decoder: { type: "ByteLevel", add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: "BPE",
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: true,
      vocab,
      merges: MERGES,
    },
  };
}

function gpt2Json(): Record<string, unknown> {
  const { vocab, added } = vocabAndAdded();
  return {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer: null,
    pre_tokenizer: { type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: { type: "ByteLevel", add_prefix_space: true, trim_offsets: false, use_regex: true },
    decoder: { type: "ByteLevel", add_prefix_space: true, trim_offsets: true, use_regex: true },
    // Older string form of merges, as GPT-2 files have it.
    model: { type: "BPE", dropout: null, unk_token: null, continuing_subword_prefix: "", end_of_word_suffix: "", fuse_unk: false, vocab, merges: MERGES.map(([a, b]) => `${a} ${b}`) },
  };
}

const CONFIG = { bos_token: "<|begin_of_text|>", eos_token: "<|end_of_text|>", clean_up_tokenization_spaces: false };

const pieces = [
  fc.string({ unit: "binary-ascii", maxLength: 10 }),
  fc.constantFrom("Hello", "world", "the", "Once", "upon", "time", "Lily", "function", "return", "print", ...WHOLE_WORDS),
  fc.constantFrom("I'M", "they'll", "don't", "YOU'RE", "we'Ve", "she's", "he'D", "'s", "'", "''ll"),
  fc.constantFrom("é", "café", "naïve", "Ærøskøbing", "e\u0301", "ß", "İ", "résumé"),
  fc.constantFrom("字", "漢字", "日本語", "한국어", "中文字符", "，", "。"),
  fc.constantFrom("😀", "👍🏽", "👨‍👩‍👧", "🇫🇷", "🦀"),
  fc.stringMatching(/^[0-9]{1,9}$/),
  fc.constantFrom(" ", "  ", "   ", "\t", "\t\t", "\n", "\n\n", "\r\n", "\r\n\r\n", " \n ", " \t\n", "\r", "\u00a0", "\u3000", "\u2028", "\u0085", "\ufeff", "\u000b", "\u000c", "\u1680", "\u200b"),
  fc.constantFrom(".", ",", "!", "?", "...", '"', "-", "(", ")", "{", "};", "<", ">", "|", "<|", "|>", "=>"),
  fc.constantFrom(...SPECIALS),
  fc.string({ unit: "binary", maxLength: 4 }),
];
const text = fc.array(fc.oneof(...pieces), { maxLength: 14 }).map((p) => p.join(""));
const plain = text.filter((s) => !SPECIALS.some((t) => s.includes(t)));

const CASES = [
  "",
  " ",
  "Hello world",
  "I'M sure they'll say YOU'RE right",
  "  leading and trailing  ",
  "tabs\tand\nnewlines\r\n\n  \r\n",
  "x = 1234567 + 89;\n\treturn x",
  "<|begin_of_text|>Once upon a time<|eot_id|>\n<|end_of_text|>",
  "café 字 😀 👨‍👩‍👧 日本語のテキスト",
  "\u0000\u0001\uFFFD\uD800",
  // Oniguruma's \s has U+0085 and lacks U+FEFF (JS's \s is the other way round).
  "\u0085。Reykjavík x\ufeffy \u0085\u0085z",
];

const variants: Array<[string, Record<string, unknown>]> = [
  ["llama-3 (TemplateProcessing)", llama3Json(false)],
  ["llama-3 (Sequence[ByteLevel, TemplateProcessing])", llama3Json(true)],
  ["gpt-2", gpt2Json()],
];

describe.each(variants)("%s byte-level tokenizer vs @huggingface/tokenizers", (_name, json) => {
  const ours = tokenizerFromJson(json, CONFIG);
  const oracle = new Oracle(json, CONFIG);

  it("uses the trained merges (words of the sample become single tokens)", () => {
    expect(MERGES.length).toBeGreaterThanOrEqual(250);
    expect(ours.encode(" the", { addSpecialTokens: false }).length).toBe(1);
    // With ignore_merges (Llama-3) a whole word in the vocab is one token; without (GPT-2) BPE splits it.
    const ignoreMerges = (json["model"] as { ignore_merges?: boolean }).ignore_merges === true;
    for (const w of [" Reykjavík", " 東京都庁"]) expect(ours.encode(w, { addSpecialTokens: false }).length === 1, w).toBe(ignoreMerges);
  });

  it("encodes hand-picked edge cases identically", () => {
    for (const s of CASES) {
      for (const add of [true, false]) {
        expect(ours.encode(s, { addSpecialTokens: add }), JSON.stringify(s)).toEqual(oracle.encode(s, { add_special_tokens: add }).ids);
      }
    }
  });

  it("encodes random text identically (with and without special tokens)", () => {
    fc.assert(
      fc.property(text, fc.boolean(), (s, add) => {
        expect(ours.encode(s, { addSpecialTokens: add })).toEqual(oracle.encode(s, { add_special_tokens: add }).ids);
      }),
      { numRuns: RUNS },
    );
  });

  it("decodes identically, and decode(encode(s)) === s", () => {
    fc.assert(
      fc.property(text, fc.boolean(), (s, skip) => {
        const ids = ours.encode(s);
        expect(ours.decode(ids, { skipSpecialTokens: skip })).toBe(oracleDecode(oracle, ids, skip));
      }),
      { numRuns: RUNS },
    );
    fc.assert(
      fc.property(plain, (s) => {
        // Lone surrogates cannot survive UTF-8; the well-formed version must.
        const wellFormed = s.replace(/\p{Cs}/gu, "\uFFFD");
        expect(ours.decode(ours.encode(s, { addSpecialTokens: false }))).toBe(wellFormed);
      }),
      { numRuns: RUNS },
    );
  });

  it("encodes pairs like the oracle (TemplateProcessing) or as plain concatenation (ByteLevel)", () => {
    const byteLevelPost = (json["post_processor"] as { type: string }).type === "ByteLevel";
    fc.assert(
      // A non-empty second text: the oracle treats "" as "no pair" (`text_pair || null`).
      fc.property(plain, plain.filter((b) => b.length > 0), fc.boolean(), (a, b, add) => {
        const expected = byteLevelPost
          ? // The oracle's ByteLevel post-processor drops the pair; the Rust crate concatenates.
            [...oracle.encode(a, { add_special_tokens: add }).ids, ...oracle.encode(b, { add_special_tokens: add }).ids]
          : oracle.encode(a, { text_pair: b, add_special_tokens: add }).ids;
        expect(ours.encodePair(a, b, { addSpecialTokens: add })).toEqual(expected);
      }),
      { numRuns: 50 },
    );
  });
});
