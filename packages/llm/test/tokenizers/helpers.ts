/**
 * Shared by the tokenizer tests: the two shipped tokenizers (ours and the @huggingface/tokenizers
 * oracle, each loaded once per test file) and fast-check arbitraries for nasty text.
 */
import { readFileSync } from "node:fs";
import { Tokenizer as Oracle } from "@huggingface/tokenizers";
import fc from "fast-check";
import { loadTokenizerSync, type HfTokenizer } from "../../src/tokenizers/index.js";
// ../shared beside the checkout (vitest.shared.ts sets MINI_SHARED from the repo root).
const SHARED = process.env["MINI_SHARED"]!;

export const MODELS = `${SHARED}/models`;
export const REFERENCE = `${SHARED}/reference`;

export interface Pair {
  name: string;
  ours: HfTokenizer;
  oracle: Oracle;
  json: Record<string, unknown>;
}

const cache = new Map<string, Pair>();

/** Ours and the oracle for `shared/models/<name>`. */
export function load(name: "story" | "chat-tokenizer"): Pair {
  let p = cache.get(name);
  if (p === undefined) {
    const dir = `${MODELS}/${name}`;
    const json = JSON.parse(readFileSync(`${dir}/tokenizer.json`, "utf8")) as Record<string, unknown>;
    const config = JSON.parse(readFileSync(`${dir}/tokenizer_config.json`, "utf8")) as Record<string, unknown>;
    p = { name, ours: loadTokenizerSync(dir), oracle: new Oracle(json, config), json };
    cache.set(name, p);
  }
  return p;
}

/** The oracle's decode, which throws on an empty list instead of returning "". */
export function oracleDecode(o: Oracle, ids: number[], skipSpecialTokens = false): string {
  return ids.length === 0 ? "" : o.decode(ids, { skip_special_tokens: skipSpecialTokens });
}

export const SPECIAL_TEXT = ["<|im_start|>", "<|im_end|>", "</s>", "<s>", "<unk>", "<|start_story|>", "<|end_story|>", "<pad>"];

const pieces = {
  ascii: fc.string({ unit: "binary-ascii", maxLength: 12 }),
  words: fc.constantFrom("Hello", "world", "the", "Once", "upon", "a", "time", "Lily", "don't", "it's", "3.14", "42", "x2"),
  accented: fc.constantFrom("é", "ü", "ñ", "café", "naïve", "Ærøskøbing", "e\u0301", "ß", "İ"),
  cjk: fc.constantFrom("字", "漢字", "日本語", "한국어", "中文字符"),
  emoji: fc.constantFrom("😀", "👍🏽", "👨‍👩‍👧", "🇫🇷", "🦀"),
  space: fc.constantFrom(" ", "  ", "   ", "\t", "\t\t", "\n", "\n\n", "\r\n", " \n ", "\u00a0", "\u3000"),
  punct: fc.constantFrom(".", ",", "!", "?", "!!", "...", "'", '"', "-", "(", ")", "<", ">", "|", "<|", "|>", "</", "▁"),
  special: fc.constantFrom(...SPECIAL_TEXT),
  unicode: fc.string({ unit: "binary", maxLength: 4 }),
};

/** Text made of fragments of every kind above, glued together. */
export const nastyText = fc
  .array(fc.oneof(pieces.ascii, pieces.words, pieces.accented, pieces.cjk, pieces.emoji, pieces.space, pieces.punct, pieces.special, pieces.unicode), {
    maxLength: 12,
  })
  .map((parts) => parts.join(""));

/** Text without any special-token string (for round trips). */
export const plainText = nastyText.filter((s) => !SPECIAL_TEXT.some((t) => s.includes(t)));

/** Text over the story vocabulary's characters only (its BPE has no byte fallback tokens). */
const STORY_CHARS = "\n !\"$',-.0123456789:;<>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz|";
export const storyText = fc
  .array(fc.oneof(fc.constantFrom(...STORY_CHARS), pieces.words, fc.constantFrom(" ", "  ", "\n")), { maxLength: 30 })
  .map((p) => p.join(""))
  .filter((s) => !SPECIAL_TEXT.some((t) => s.includes(t)));

/** Ids from the whole vocabulary, biased towards specials, byte tokens and "▁"-tokens. */
export function ids(t: HfTokenizer, extra: number[] = []): fc.Arbitrary<number[]> {
  const bytes: number[] = [];
  for (let b = 0; b < 256; b++) {
    const id = t.tokenToId(`<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`);
    if (id !== undefined) bytes.push(id);
  }
  // Lead bytes and continuations of 2-4 byte UTF-8 sequences, so real characters get completed.
  const utf8Char = fc.constantFrom("é", "字", "😀", "ß", "\u2581").map((c) => Array.from(new TextEncoder().encode(c), (b) => t.tokenToId(`<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`)));
  const one = fc.oneof(
    { arbitrary: fc.integer({ min: 0, max: t.vocabSize - 1 }).map((i) => [i]), weight: 4 },
    { arbitrary: fc.constantFrom(...[...t.specialIds, ...extra]).map((i) => [i]), weight: 1 },
    ...(bytes.length > 0
      ? [
          { arbitrary: fc.constantFrom(...bytes).map((i) => [i]), weight: 2 },
          { arbitrary: utf8Char.filter((l) => l.every((x) => x !== undefined)).map((l) => l as number[]), weight: 2 },
        ]
      : []),
  );
  return fc.array(one, { maxLength: 24 }).map((l) => l.flat());
}
