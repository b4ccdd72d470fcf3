/**
 * A word-level tokenizer trained the way RustGPT builds its vocabulary (tekaratzas/RustGPT
 * src/vocab.rs): split on whitespace, every ASCII punctuation character is a token of its own
 * ("Hello, world!" → Hello , world !), case kept, vocabulary sorted. Two deliberate changes:
 *   - the end-of-sequence marker `</s>` stays one token (RustGPT also adds "<", "/", "s", ">"
 *     to its vocabulary from the "</s>" in every line, then special-cases it when encoding);
 *   - a word not in the vocabulary becomes `<unk>` (RustGPT silently drops it).
 * Specials come first: `<unk>` = 0, `<pad>` = 1, `</s>` = 2, then the words in code-point order.
 *
 * The result is also written as a standard tokenizer.json, which any HF implementation can load:
 * WordLevel model; the specials as added tokens (so `</s>` is split out before pre-tokenizing);
 * pre_tokenizer Sequence[WhitespaceSplit, Split(one ASCII punctuation char, Isolated)]; no
 * decoder, so decode joins tokens with single spaces. We use Split rather than the Punctuation
 * pre-tokenizer because @huggingface/tokenizers 0.2.0 keeps a run of punctuation ("!!", "?!")
 * together under Punctuation, which would disagree with the rule above and with the Rust crate.
 */

import { tokenizerFromJson } from "./hf/load.js";
import type { HfTokenizer } from "./hf/hf-tokenizer.js";

export const WORD_LEVEL_SPECIALS = ["<unk>", "<pad>", "</s>"] as const;

/** One ASCII punctuation character (Rust's `char::is_ascii_punctuation`). */
const ASCII_PUNCT_SOURCE = "[!-/:-@\\[-`{-~]";
const ASCII_PUNCT = new RegExp(ASCII_PUNCT_SOURCE, "u");
const WHITESPACE = /\p{White_Space}+/u;

export interface WordLevelBuildOptions {
  /** More special tokens (e.g. ChatML markers), given ids after the three defaults. */
  extraSpecialTokens?: readonly string[];
}

export interface WordLevelBuild {
  readonly tokenizer: HfTokenizer;
  /** A standard HF tokenizer.json (write it with JSON.stringify). */
  readonly json: Record<string, unknown>;
  /** The matching tokenizer_config.json. */
  readonly config: Record<string, unknown>;
  /** Every token, by id. */
  readonly vocab: readonly string[];
  /** The words of `text` (same rule as encoding) that are not in the vocabulary. */
  unknownWords(text: string): string[];
  countUnknown(text: string): number;
}

/**
 * The words of `text` by the rule above. Special tokens are cut out first wherever they occur
 * (as the HF pipeline's added tokens are), so "end</s>" gives "end", "</s>".
 */
export function splitWords(text: string, specials: readonly string[] = WORD_LEVEL_SPECIALS): string[] {
  const out: string[] = [];
  for (const piece of splitOnSpecials(text, specials)) {
    if (specials.includes(piece)) {
      out.push(piece);
      continue;
    }
    for (const word of piece.split(WHITESPACE)) {
      let current = "";
      for (const ch of word) {
        if (ASCII_PUNCT.test(ch)) {
          if (current !== "") out.push(current);
          out.push(ch);
          current = "";
        } else {
          current += ch;
        }
      }
      if (current !== "") out.push(current);
    }
  }
  return out;
}

/** Leftmost-longest occurrences of the specials, as the added-token pass finds them. */
function splitOnSpecials(text: string, specials: readonly string[]): string[] {
  const out: string[] = [];
  let start = 0;
  let i = 0;
  while (i < text.length) {
    let best = "";
    for (const s of specials) if (s.length > best.length && text.startsWith(s, i)) best = s;
    if (best === "") {
      i++;
      continue;
    }
    if (i > start) out.push(text.slice(start, i));
    out.push(best);
    i += best.length;
    start = i;
  }
  if (start < text.length) out.push(text.slice(start));
  return out;
}

/** Code-point order, as Rust's `Vec<String>::sort` (UTF-8 byte order); `<` on JS strings is UTF-16 order. */
function byCodePoint(a: string, b: string): number {
  const [ca, cb] = [Array.from(a), Array.from(b)];
  for (let i = 0; i < Math.min(ca.length, cb.length); i++) {
    const d = ca[i]!.codePointAt(0)! - cb[i]!.codePointAt(0)!;
    if (d !== 0) return d;
  }
  return ca.length - cb.length;
}

export function buildWordLevelTokenizer(texts: readonly string[], opts: WordLevelBuildOptions = {}): WordLevelBuild {
  const specials = [...WORD_LEVEL_SPECIALS, ...(opts.extraSpecialTokens ?? [])];
  const words = new Set<string>();
  for (const t of texts) for (const w of splitWords(t, specials)) if (!specials.includes(w)) words.add(w);
  const vocab = [...specials, ...[...words].sort(byCodePoint)];

  const json = {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: specials.map((content, id) => ({
      id,
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: null,
    pre_tokenizer: {
      type: "Sequence",
      pretokenizers: [
        { type: "WhitespaceSplit" },
        { type: "Split", pattern: { Regex: ASCII_PUNCT_SOURCE }, behavior: "Isolated", invert: false },
      ],
    },
    post_processor: null,
    decoder: null,
    model: { type: "WordLevel", vocab: Object.fromEntries(vocab.map((w, i) => [w, i])), unk_token: "<unk>" },
  };
  const config = {
    tokenizer_class: "PreTrainedTokenizerFast",
    unk_token: "<unk>",
    pad_token: "<pad>",
    eos_token: "</s>",
    add_bos_token: false,
    add_eos_token: false,
    // Off, so decode is exactly the tokens joined by single spaces ("Hello , world !").
    clean_up_tokenization_spaces: false,
    ...(opts.extraSpecialTokens?.length ? { additional_special_tokens: [...opts.extraSpecialTokens] } : {}),
  };
  const tokenizer = tokenizerFromJson(json, config);
  const known = new Set(vocab);
  const unknownWords = (text: string): string[] => splitWords(text, specials).filter((w) => !known.has(w));
  return { tokenizer, json, config, vocab, unknownWords, countUnknown: (text) => unknownWords(text).length };
}
