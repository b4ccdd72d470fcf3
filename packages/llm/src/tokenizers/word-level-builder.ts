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
 * pre_tokenizer Sequence[WhitespaceSplit, Split(one ASCII punctuation char, Isolated)]; and the
 * decoder WORD_LEVEL_DECODER below, which puts the spaces back the way English is written. We use
 * Split rather than the Punctuation pre-tokenizer because @huggingface/tokenizers 0.2.0 keeps a
 * run of punctuation ("!!", "?!") together under Punctuation, which would disagree with the rule
 * above and with the Rust crate.
 *
 * RustGPT's own count differs: see rustGptVocabulary.
 */

import { tokenizerFromJson } from "./hf/load.js";
import type { HfTokenizer } from "./hf/hf-tokenizer.js";

export const WORD_LEVEL_SPECIALS = ["<unk>", "<pad>", "</s>"] as const;

/** One ASCII punctuation character (Rust's `char::is_ascii_punctuation`). */
const ASCII_PUNCT_SOURCE = "[!-/:-@\\[-`{-~]";
const ASCII_PUNCT = new RegExp(ASCII_PUNCT_SOURCE, "u");
const WHITESPACE = /\p{White_Space}+/u;

/**
 * Decoding: the words are separate tokens and the spaces between them are gone, so decode has to
 * decide where spaces go. Plain joining gives "Hello ! I ' m here ." A standard HF decoder chain:
 *   1. WordPiece (prefix "##", cleanup): joins the tokens with single spaces, and its per-token
 *      clean-up drops the space before . , ! ? ("Hello! I ' m here."). Its "##" continuation
 *      prefix never fires here: "#" is ASCII punctuation, so no word of the vocabulary starts with
 *      "##" (buildWordLevelTokenizer refuses extra special tokens that do).
 *   2. Fuse: one string, so the rules below see both neighbours of a mark.
 *   3. Replace: " :" " ;" " )" lose the space before, "( " the space after, " - " and " / "
 *      both (gasoline-powered, km/s); by regex, an apostrophe between a letter and a contraction ending
 *      (I'm, don't, earth's, you're) and a decimal point or thousands comma between digits.
 * Encoding ignores spaces around punctuation, so encode(decode(ids)) gives the ids back. What the
 * rules cannot know: a dash written " - " comes back as "-"; quote marks ' and " keep their spaces
 * (opening and closing look the same). Regexes use [A-Za-z0-9], which every engine (Oniguruma in
 * the Rust crate, JavaScript) reads the same way.
 * tokenizer_config.json turns transformers' clean_up_tokenization_spaces off: its " ' " → "'"
 * would glue quoted words ("say ' hi '" → "say'hi'"), and without it tokenizer.json alone decides
 * the text in every implementation (Rust crate, transformers, @huggingface/tokenizers, ours).
 */
export const WORD_LEVEL_DECODER = {
  type: "Sequence",
  decoders: [
    { type: "WordPiece", prefix: "##", cleanup: true },
    { type: "Fuse" },
    ...([" :", " ;", " )"] as const).map((s) => ({ type: "Replace", pattern: { String: s }, content: s.trim() })),
    { type: "Replace", pattern: { String: "( " }, content: "(" },
    ...([" - ", " / "] as const).map((s) => ({ type: "Replace", pattern: { String: s }, content: s.trim() })),
    { type: "Replace", pattern: { Regex: "(?<=[A-Za-z]) ' (?=(?:s|t|m|d|re|ve|ll)(?![A-Za-z]))" }, content: "'" },
    { type: "Replace", pattern: { Regex: "(?<=[0-9])\\. (?=[0-9])" }, content: "." },
    { type: "Replace", pattern: { Regex: "(?<=[0-9]), (?=[0-9]{3}(?![0-9]))" }, content: "," },
  ],
} as const;

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
export function splitOnSpecials(text: string, specials: readonly string[]): string[] {
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

/**
 * The vocabulary RustGPT itself builds from `texts` (src/vocab.rs): "</s>" plus every word by the
 * rule above, with no special case for "</s>" inside the text, so its pieces "<", "/", "s", ">"
 * are words too; no <unk>, no <pad>. On RustGPT's data that is 533 tokens where
 * buildWordLevelTokenizer has 532: 533 − 3 ("<", "/", ">"; "s" is a word there anyway) + 2.
 */
export function rustGptVocabulary(texts: readonly string[]): string[] {
  const words = new Set<string>(["</s>"]);
  for (const t of texts) for (const w of splitWords(t, [])) words.add(w);
  return [...words].sort(byCodePoint);
}

export function buildWordLevelTokenizer(texts: readonly string[], opts: WordLevelBuildOptions = {}): WordLevelBuild {
  const specials = [...WORD_LEVEL_SPECIALS, ...(opts.extraSpecialTokens ?? [])];
  const glued = specials.find((s) => s.startsWith("##"));
  if (glued !== undefined) {
    throw new Error(`buildWordLevelTokenizer: extra special token "${glued}" starts with "##", the decoder's continuation prefix (it would be glued to the token before it)`);
  }
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
    decoder: WORD_LEVEL_DECODER,
    model: { type: "WordLevel", vocab: Object.fromEntries(vocab.map((w, i) => [w, i])), unk_token: "<unk>" },
  };
  const config = {
    tokenizer_class: "PreTrainedTokenizerFast",
    unk_token: "<unk>",
    pad_token: "<pad>",
    eos_token: "</s>",
    add_bos_token: false,
    add_eos_token: false,
    // Off: the decoder does the spacing (see WORD_LEVEL_DECODER).
    clean_up_tokenization_spaces: false,
    ...(opts.extraSpecialTokens?.length ? { additional_special_tokens: [...opts.extraSpecialTokens] } : {}),
  };
  const tokenizer = tokenizerFromJson(json, config);
  const known = new Set(vocab);
  const unknownWords = (text: string): string[] => splitWords(text, specials).filter((w) => !known.has(w));
  return { tokenizer, json, config, vocab, unknownWords, countUnknown: (text) => unknownWords(text).length };
}
