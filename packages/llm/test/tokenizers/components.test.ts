/**
 * The components that the two shipped tokenizers do not use, on small hand-made tokenizer.json
 * files: against @huggingface/tokenizers where it implements the same semantics, against the
 * Rust crate's documented behaviour where it does not (see README.md, "Tokenizers in detail").
 */
import { Tokenizer as Oracle } from "@huggingface/tokenizers";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createNormalizer } from "../../src/tokenizers/hf/normalizers.js";
import { createPreTokenizer, splitBy } from "../../src/tokenizers/hf/pre-tokenizers.js";
import { findAll } from "../../src/tokenizers/hf/patterns.js";
import { BYTE_LEVEL, toByteLevel } from "../../src/tokenizers/hf/byte-level-table.js";
import { tokenizerFromJson, WORD_LEVEL_DECODER } from "../../src/tokenizers/index.js";
import { nastyText, oracleDecode, plainText } from "./helpers.js";

const at = { file: "tokenizer.json", path: "pre_tokenizer" };
const pre = (cfg: unknown, text: string, first = true): string[] => createPreTokenizer(at, cfg)!([{ text, first }]).map((p) => p.text);
const norm = (cfg: unknown, text: string): string => createNormalizer({ file: "tokenizer.json", path: "normalizer" }, cfg)!(text);

describe("pre-tokenizers (Rust semantics)", () => {
  it("Split behaviors, as in the tokenizers docs", () => {
    const text = "the-final--countdown";
    const m = findAll({ kind: "string", literal: "-" }, text);
    expect(splitBy(text, m, "Removed", false)).toEqual(["the", "final", "countdown"]);
    expect(splitBy(text, m, "Isolated", false)).toEqual(["the", "-", "final", "-", "-", "countdown"]);
    expect(splitBy(text, m, "MergedWithPrevious", false)).toEqual(["the-", "final-", "-", "countdown"]);
    expect(splitBy(text, m, "MergedWithNext", false)).toEqual(["the", "-final", "-", "-countdown"]);
    expect(splitBy(text, m, "Contiguous", false)).toEqual(["the", "-", "final", "--", "countdown"]);
    expect(splitBy(text, m, "Removed", true)).toEqual(["-", "-", "-"]);
  });

  it("Split with a regex, and invert", () => {
    expect(pre({ type: "Split", pattern: { Regex: "\\d+" }, behavior: "Isolated", invert: false }, "ab12cd345")).toEqual(["ab", "12", "cd", "345"]);
    expect(pre({ type: "Split", pattern: { Regex: "\\d+" }, behavior: "Removed", invert: true }, "ab12cd345")).toEqual(["12", "345"]);
    // Llama-3-style case-insensitive group, which Node 20's RegExp cannot parse as written.
    expect(pre({ type: "Split", pattern: { Regex: "(?i:'s|'t)|\\p{L}+" }, behavior: "Isolated", invert: false }, "IT'S it's")).toEqual(["IT", "'S", " ", "it", "'s"]);
  });

  it("Punctuation isolates each character (the JS oracle would keep runs together)", () => {
    expect(pre({ type: "Punctuation", behavior: "Isolated" }, "Hey!!¿ok?")).toEqual(["Hey", "!", "!", "¿", "ok", "?"]);
    expect(pre({ type: "Punctuation", behavior: "Contiguous" }, "Hey!!ok")).toEqual(["Hey", "!!", "ok"]);
  });

  it("Whitespace, WhitespaceSplit, Digits, CharDelimiterSplit, Sequence", () => {
    expect(pre({ type: "Whitespace" }, "Hey man!! café, 字字")).toEqual(["Hey", "man", "!!", "café", ",", "字字"]);
    expect(pre({ type: "WhitespaceSplit" }, " a\tb \n c\u3000d ")).toEqual(["a", "b", "c", "d"]);
    expect(pre({ type: "Digits", individual_digits: false }, "Call 123 please")).toEqual(["Call ", "123", " please"]);
    expect(pre({ type: "Digits", individual_digits: true }, "Call 123")).toEqual(["Call ", "1", "2", "3"]);
    expect(pre({ type: "CharDelimiterSplit", delimiter: "x" }, "axbxxc")).toEqual(["a", "b", "c"]);
    expect(pre({ type: "Sequence", pretokenizers: [{ type: "WhitespaceSplit" }, { type: "Digits", individual_digits: true }] }, "ab12 c3")).toEqual(["ab", "1", "2", "c", "3"]);
  });

  it("Metaspace: prepend_scheme always/first/never, split on ▁", () => {
    const ms = (extra: object): object => ({ type: "Metaspace", replacement: "▁", ...extra });
    expect(pre(ms({ prepend_scheme: "always", split: true }), "Hey  friend")).toEqual(["▁Hey", "▁", "▁friend"]);
    expect(pre(ms({ prepend_scheme: "always", split: false }), "Hey friend")).toEqual(["▁Hey▁friend"]);
    expect(pre(ms({ prepend_scheme: "first", split: true }), "Hey friend", false)).toEqual(["Hey", "▁friend"]);
    expect(pre(ms({ prepend_scheme: "first", split: true }), "Hey friend", true)).toEqual(["▁Hey", "▁friend"]);
    expect(pre(ms({ prepend_scheme: "never", split: true }), "Hey friend")).toEqual(["Hey", "▁friend"]);
    expect(pre(ms({ add_prefix_space: false }), "Hey")).toEqual(["Hey"]);
  });

  it("ByteLevel: GPT-2 regex and byte-to-unicode alphabet", () => {
    expect(pre({ type: "ByteLevel", add_prefix_space: false, use_regex: true }, "Hello world's 12 ok!")).toEqual(["Hello", "Ġworld", "'s", "Ġ12", "Ġok", "!"]);
    expect(pre({ type: "ByteLevel", add_prefix_space: true, use_regex: false }, "é a")).toEqual(["ĠÃ©Ġa"]);
    expect(BYTE_LEVEL.toChar[0x20]).toBe("Ġ");
    expect(BYTE_LEVEL.toChar[0x0a]).toBe("Ċ");
    expect(new Set(BYTE_LEVEL.toChar).size).toBe(256);
    expect(toByteLevel(" é\n")).toBe("ĠÃ©Ċ");
  });
});

describe("normalizers", () => {
  it("unicode forms, case, strip, replace, prepend", () => {
    expect(norm({ type: "NFC" }, "e\u0301")).toBe("é");
    expect(norm({ type: "NFD" }, "é")).toBe("e\u0301");
    expect(norm({ type: "NFKC" }, "ﬁ²")).toBe("fi2");
    expect(norm({ type: "NFKD" }, "ﬁé")).toBe("fie\u0301");
    expect(norm({ type: "Lowercase" }, "ÀB")).toBe("àb");
    expect(norm({ type: "Strip", strip_left: true, strip_right: false }, "  a  ")).toBe("a  ");
    expect(norm({ type: "Replace", pattern: { Regex: "\\s+" }, content: "$1" }, "a  b\tc")).toBe("a$1b$1c");
    expect(norm({ type: "Prepend", prepend: "▁" }, "")).toBe("");
    expect(norm({ type: "Sequence", normalizers: [{ type: "NFD" }, { type: "StripAccents" }, { type: "Lowercase" }] }, "Élan")).toBe("elan");
  });
});

/** A GPT-2-like byte-level BPE: the 256 byte symbols, a few merges, one special token. */
function gpt2Like(mergesAsPairs: boolean): Record<string, unknown> {
  const vocab: Record<string, number> = {};
  BYTE_LEVEL.toChar.forEach((c, i) => (vocab[c] = i));
  const merges = [["Ġ", "t"], ["h", "e"], ["Ġt", "he"], ["l", "l"], ["e", "ll"], ["ell", "o"], ["Ġ", "w"], ["o", "r"], ["Ġw", "or"], ["Ġwor", "l"], ["Ġworl", "d"]];
  for (const [a, b] of merges) vocab[a! + b!] ??= Object.keys(vocab).length;
  const special = Object.keys(vocab).length;
  return {
    added_tokens: [{ id: special, content: "<|endoftext|>", single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }],
    normalizer: null,
    pre_tokenizer: { type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: { type: "ByteLevel", add_prefix_space: true, trim_offsets: false, use_regex: true },
    decoder: { type: "ByteLevel", add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: { type: "BPE", dropout: null, unk_token: null, fuse_unk: false, byte_fallback: false, vocab, merges: mergesAsPairs ? merges : merges.map((m) => m.join(" ")) },
  };
}

describe("byte-level BPE (GPT-2 style) vs @huggingface/tokenizers", () => {
  const json = gpt2Like(true);
  const ours = tokenizerFromJson(json, { clean_up_tokenization_spaces: false });
  const oracle = new Oracle(json, { clean_up_tokenization_spaces: false });

  it("merges written as pairs or as strings give the same tokenizer", () => {
    const other = tokenizerFromJson(gpt2Like(false), { clean_up_tokenization_spaces: false });
    // "h e" (rank 1) beats "l l" (rank 3), so "e ll" never gets its chance.
    expect(ours.tokenize("hello the world")).toEqual(["he", "ll", "o", "Ġthe", "Ġworld"]);
    expect(ours.tokenize("ello")).toEqual(["ello"]);
    fc.assert(
      fc.property(nastyText, (s) => {
        expect(other.encode(s)).toEqual(ours.encode(s));
      }),
      { numRuns: 100 },
    );
  });

  it("encodes, decodes and round-trips like the oracle", () => {
    fc.assert(
      fc.property(nastyText, (s) => {
        const ids = ours.encode(s);
        expect(ids).toEqual(oracle.encode(s).ids);
        if (ids.length > 0) expect(ours.decode(ids)).toBe(oracle.decode(ids));
      }),
      { numRuns: 200 },
    );
    fc.assert(
      // Byte-level BPE is lossless for any well-formed text (lone surrogates are not UTF-8).
      fc.property(plainText.filter((s) => !/[\uD800-\uDFFF]/.test(s)), (s) => {
        expect(ours.decode(ours.encode(s))).toBe(s);
      }),
      { numRuns: 200 },
    );
  });
});

describe("WordPiece, Fuse, Replace and Sequence decoders vs @huggingface/tokenizers", () => {
  // Token strings that exercise every clean-up rule, the ## prefix, and the rules' neighbours.
  const tokens = [
    "<unk>", "</s>", "Hello", "##lo", "##", "#", ".", ",", "!", "?", "'", "n't", "'m", "'s", "'ve", "'re", "do", "not",
    "do not", " ' ", "-", ":", ";", "(", ")", "/", "27", "3", "792", "s", "t", "I", "don", "a b", "é", "字",
  ];
  const vocab = Object.fromEntries(tokens.map((t, i) => [t, i]));
  const json = (decoder: unknown) => ({
    version: "1.0",
    added_tokens: [{ id: 1, content: "</s>", single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }],
    normalizer: null,
    pre_tokenizer: { type: "WhitespaceSplit" },
    post_processor: null,
    decoder,
    model: { type: "WordLevel", vocab, unk_token: "<unk>" },
  });
  const ids = fc.array(fc.integer({ min: 0, max: tokens.length - 1 }), { minLength: 1, maxLength: 16 });

  it.each([
    ["WordPiece ## with clean-up", { type: "WordPiece", prefix: "##", cleanup: true }],
    ["WordPiece ## without clean-up", { type: "WordPiece", prefix: "##", cleanup: false }],
    ["WordPiece with another prefix", { type: "WordPiece", prefix: "do", cleanup: true }],
    ["the word-level decoder (WordPiece, Fuse, Replace by string and regex)", WORD_LEVEL_DECODER],
    ["Fuse then Replace", { type: "Sequence", decoders: [{ type: "Fuse" }, { type: "Replace", pattern: { String: "##" }, content: "+" }] }],
  ])("%s decodes any ids like the oracle (with and without transformers' clean-up)", (_name, decoder) => {
    for (const cleanup of [false, true]) {
      const config = { clean_up_tokenization_spaces: cleanup, unk_token: "<unk>" };
      const ours = tokenizerFromJson(json(decoder), config);
      const oracle = new Oracle(JSON.parse(JSON.stringify(json(decoder))), config);
      fc.assert(
        fc.property(ids, fc.boolean(), (list, skip) => {
          expect(ours.decode(list, { skipSpecialTokens: skip })).toBe(oracleDecode(oracle, list, skip));
        }),
        { numRuns: 150 },
      );
    }
  });

  it("WordPiece: ## glues, the first token keeps its ##, clean-up works token by token", () => {
    const t = tokenizerFromJson(json({ type: "WordPiece", prefix: "##", cleanup: true }), { clean_up_tokenization_spaces: false });
    const of = (...words: string[]) => words.map((w) => vocab[w]!);
    expect(t.decode(of("##lo", "Hello", "##lo", "##", "."))).toBe("##lo Hellolo.");
    // Clean-up sees one token (with the space WordPiece put in front) at a time: " n't" and " 'm"
    // fire, " ' " only within a token's own text, so word tokens "'" keep their spaces.
    expect(t.decode(of("I", "'", "n't", "'m", " ' "))).toBe("I 'n't'm '");
    // The Rust crate also turns " do not" into " don't"; the JS oracle (and we) do not.
    expect(t.decode(of("I", "do not"))).toBe("I do not");
    expect(t.decodeRevisesLastWord).toBe(false);
    expect(tokenizerFromJson(json(WORD_LEVEL_DECODER), { clean_up_tokenization_spaces: false }).decodeRevisesLastWord).toBe(true);
  });
});
