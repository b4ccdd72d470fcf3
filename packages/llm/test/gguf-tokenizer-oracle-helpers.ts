/**
 * The tokenizer comparison of the GGUF oracle tests: mini's tokenizer of a GGUF file against
 * llama.cpp's (node-llama-cpp) on the same file, on fixed texts and random ones built from the
 * byte-level fixture pieces (special tokens, whitespace runs, accents, CJK, emoji, digits,
 * contractions, arbitrary code points).
 */
import fc from "fast-check";
import { expect } from "vitest";
import type { Tokenizer } from "../src/index.js";
import { loadGgufModel } from "../src/models/index.js";
import { openOracle, type Oracle } from "./gguf-oracle-helpers.js";
import { llama3Json, MERGES, pieces, SPECIALS, toByteChars, vocabAndAdded } from "./tokenizers/byte-level-fixtures.js";

/**
 * Short texts on which the pre-tokenizer regexes cut differently: digit runs, mixed-case
 * contractions, case changes inside words (ASCII and not), letters with combining marks, CJK,
 * kana, Hangul, Cyrillic, Greek, newline and space runs, trailing spaces, punctuation runs, emoji;
 * and spaces before punctuation and contractions, which decoding may clean up.
 */
export const SEPARATING_WORDS = [
  "🦀  ", "end   ", "x;\n", ";\n", "    ", "Привет😀", "    return x", "x        y", "12345", "3.14159", "1,000,000", "x2y", "DON'T", "we'll", "You'Re", "they'D", "O'Neil",
  "ÉLAN", "éCOLE", "HTTPServer", "iPhone", "CamelCase", "ΣΊΣΥΦΟΣ", "ǅemal", "e\u0301te\u0301", "naïve",
  "日本語のテキスト", "中文，还有", "한국어 문장", "ㄱㄴ", "Привет", "МИР!",
  "  \n\n  x", "a  \t b", " \n", "\r\n\r\n", "...!!!", " --> ", "{x|y}", "$5", "^_^", "`code`", "a/b/c\n/d",
  "😀👍🏽", "👨‍👩‍👧", "\u00a0nbsp\u3000wide",
  // What the detokenizers' space clean-ups change.
  "x , y . z ? w !", "I ' m", "do n't", "it 's", "we 're", "they 've", "he 'll", "she 'd", "' ' q", "a ' ' b",
];

/** The separating words, each alone and after a space, and run together. */
export const SEPARATING_TEXTS = [...SEPARATING_WORDS, ...SEPARATING_WORDS.map((w) => ` ${w}`), SEPARATING_WORDS.join(" "), SEPARATING_WORDS.join("")];

/**
 * The byte-level fixture tokenizer (Llama-3's shape) with merges that build each separating word
 * (and " word") into one token, ranked before the fixture's: a word a pre-tokenizer keeps whole
 * becomes one token, one it cuts does not, so a regex that cuts elsewhere than llama.cpp's gives
 * other ids (with the fixture's merges alone, most cuts would give the same ids). Each word's
 * merges are found by running BPE on it with the merges so far and merging its first two tokens
 * until one is left, so earlier words' merges cannot stop a later word's (as a plain left-to-right
 * chain would for "    ": Ġ+Ġ twice, then no ĠĠ+ĠĠ).
 */
export function separatingJson(): Record<string, unknown> {
  const { vocab } = vocabAndAdded();
  const json = llama3Json(false);
  const merges: Array<[string, string]> = [];
  const rank = new Map<string, number>();
  for (const w of SEPARATING_WORDS.flatMap((x) => [x, ` ${x}`])) {
    for (let parts = bpe(Array.from(toByteChars(w)), rank); parts.length > 1; parts = bpe(parts, rank)) {
      const pair: [string, string] = [parts[0]!, parts[1]!];
      rank.set(pair.join(" "), merges.length);
      merges.push(pair);
    }
  }
  const merged: Record<string, number> = { ...vocab };
  for (const [a, b] of merges) merged[a + b] ??= Object.keys(merged).length;
  const base = Object.keys(merged).length;
  const added = SPECIALS.map((content, i) => ({ id: base + i, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }));
  const model = json["model"] as Record<string, unknown>;
  return { ...json, added_tokens: added, post_processor: null, model: { ...model, vocab: merged, merges: [...merges, ...MERGES] } };
}

/** BPE on one word: merge the lowest-ranked adjacent pair (leftmost first) until none is ranked. */
function bpe(parts: string[], rank: ReadonlyMap<string, number>): string[] {
  const p = [...parts];
  for (;;) {
    let best = -1;
    let bestRank = Number.POSITIVE_INFINITY;
    for (let i = 0; i + 1 < p.length; i++) {
      const r = rank.get(`${p[i]} ${p[i + 1]}`);
      if (r !== undefined && r < bestRank) [best, bestRank] = [i, r];
    }
    if (best < 0) return p;
    p.splice(best, 2, p[best]! + p[best + 1]!);
  }
}

/** The fixture pieces with `specials` in place of the Llama-3 ones. */
const textWith = (specials: readonly string[]) =>
  fc.array(fc.oneof(...pieces.filter((_, i) => i !== pieces.length - 2), fc.constantFrom(...specials)), { maxLength: 14 }).map((p) => p.join(""));

/**
 * mini's ids (and `also`'s, when given) equal llama.cpp's for the same text, and with `decode`
 * mini's decoding of them equals llama.cpp's detokenizer (special tokens as text). `keep` filters each
 * text's characters: llama.cpp aborts the process (std::out_of_range) on a character that is
 * neither a token nor covered by <0xXX> byte tokens, where mini gives <unk>.
 */
export async function expectSameIds(
  path: string,
  specials: readonly string[],
  opts: { also?: Tokenizer; keep?: (c: string) => boolean; runs?: number; texts?: readonly string[]; decode?: boolean } = {},
): Promise<void> {
  const mini = loadGgufModel(path);
  mini.model.dispose();
  const oracle: Oracle = await openOracle(path);
  const keep = opts.keep ?? (() => true);
  try {
    const check = (s: string): void => {
      const ours = mini.tokenizer.encode(s, { addSpecialTokens: false });
      expect(ours, JSON.stringify(s)).toEqual(Array.from(oracle.model.tokenize(s, true)));
      if (opts.also !== undefined) expect(ours, JSON.stringify(s)).toEqual(opts.also.encode(s, { addSpecialTokens: false }));
      if (opts.decode === true) expect(mini.tokenizer.decode(ours), JSON.stringify(s)).toBe(oracle.model.detokenize(ours as never, true));
    };
    const strip = (s: string): string => Array.from(s).filter(keep).join("");
    const fixed = ["", " ", "  hello  world ", "\n\n\t x", ...specials.map((t) => `a${t} b${t}${t}c `), "café 日本語 👍🏽 e\u0301", ...(opts.texts ?? [])];
    for (const s of fixed) check(strip(s));
    fc.assert(fc.property(textWith(specials).map(strip), check), { seed: 5, numRuns: opts.runs ?? 120 });
  } finally {
    await oracle.dispose();
  }
}
