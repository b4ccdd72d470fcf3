/**
 * Byte-level BPE tokenizers we have no local copy of (Llama-3 and GPT-2 style), built in memory:
 * a vocab of the 256 byte-level characters plus merges from a tiny greedy BPE trainer run on a
 * fixed English + code + CJK sample, and the Llama-3 special tokens; and the random texts the
 * parity tests feed them. Shared by the @huggingface/tokenizers parity test and the GGUF oracle.
 */
import fc from "fast-check";

/** GPT-2's bytes_to_unicode, spelled independently of src/ so a bug there cannot hide here. */
export const BYTE_CHARS: string[] = (() => {
  const printable = (b: number): boolean => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  let next = 256;
  return Array.from({ length: 256 }, (_, b) => String.fromCharCode(printable(b) ? b : next++));
})();
export const toByteChars = (s: string): string => Array.from(new TextEncoder().encode(s), (b) => BYTE_CHARS[b]!).join("");

export const SAMPLE = [
  "Once upon a time, there was a little girl named Lily. She liked to play in the park with her friends.",
  "I'M sure they'll come back; we've seen it, isn't it? You're right, he'd know and she's there.",
  "function add(a, b) {\n  return a + b;\n}\n\nconst x = add(12345, 678);\r\n\tconsole.log(x);",
  "for i in range(10):\n    print(i * 2)  # double\n",
  "日本語のテキストと中文字符，还有한국어 문장입니다。漢字漢字日本語日本語",
  "café naïve résumé Ærøskøbing straße 😀👍🏽 1999 2024 3.14159",
].join("\n");

/** Greedy BPE training: count adjacent pairs over the sample's words, merge the most frequent. */
export function trainMerges(text: string, count: number): Array<[string, string]> {
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

export const MERGES = trainMerges(SAMPLE, 300);
export const WHOLE_WORDS = [" Reykjavík", "Reykjavík", " 東京都庁", " y'all"];
export const SPECIALS = ["<|begin_of_text|>", "<|end_of_text|>", "<|eot_id|>"];
export const LLAMA3_REGEX =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

export function vocabAndAdded(): { vocab: Record<string, number>; added: unknown[] } {
  const vocab: Record<string, number> = {};
  for (const c of BYTE_CHARS) vocab[c] = Object.keys(vocab).length;
  for (const [a, b] of MERGES) if (vocab[a + b] === undefined) vocab[a + b] = Object.keys(vocab).length;
  // Whole words no merge chain reaches (Llama-3 vocabularies have such): only ignore_merges finds them.
  for (const w of WHOLE_WORDS) vocab[toByteChars(w)] ??= Object.keys(vocab).length;
  const base = Object.keys(vocab).length;
  const added = SPECIALS.map((content, i) => ({ id: base + i, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }));
  return { vocab, added };
}

export function template(): Record<string, unknown> {
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

export function llama3Json(sequencePost: boolean): Record<string, unknown> {
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

export function gpt2Json(): Record<string, unknown> {
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

export const CONFIG = { bos_token: "<|begin_of_text|>", eos_token: "<|end_of_text|>", clean_up_tokenization_spaces: false };

export const pieces = [
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
export const text = fc.array(fc.oneof(...pieces), { maxLength: 14 }).map((p) => p.join(""));
export const plain = text.filter((s) => !SPECIALS.some((t) => s.includes(t)));

