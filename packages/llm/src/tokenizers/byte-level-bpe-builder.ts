/**
 * A byte-level BPE tokenizer (GPT-2's scheme) trained on a corpus: the one vocabulary a model
 * trained here can take to llama.cpp unchanged (GGUF `tokenizer.ggml.model = "gpt2"` with the
 * merges, pre-tokenizer "gpt-2"). The word-level tokenizer cannot: it drops spaces and keeps case,
 * and llama.cpp's only word-based tokenizer (WordPiece, "bert") lowercases, strips accents and
 * splits non-ASCII punctuation.
 *
 * Training (the classic algorithm, as HF's BpeTrainer without its options): the texts are cut at
 * the special tokens, split into pieces by GPT-2's regex (the ByteLevel pre-tokenizer's own split)
 * and written as byte-level characters; then, until the vocabulary is full, the most frequent
 * adjacent pair of symbols over all pieces (counted with their multiplicity) becomes a merge. Ties
 * go to the smaller pair in code-unit order, so the result depends only on the texts. A pair seen
 * once is never merged. Every byte is in the vocabulary, so any text encodes (no <unk>).
 *
 * Ids: the specials first (`<pad>` = 0, `</s>` = 1), then the 256 byte characters in byte order,
 * then one token per merge in merge order.
 */
import { BYTE_LEVEL, toByteLevel } from "./hf/byte-level-table.js";
import { tokenizerFromJson } from "./hf/load.js";
import type { HfTokenizer } from "./hf/hf-tokenizer.js";
import { findAll } from "./hf/patterns.js";
import { GPT2, splitBy } from "./hf/pre-tokenizers.js";
import { splitOnSpecials } from "./word-level-builder.js";

export const BYTE_LEVEL_BPE_SPECIALS = ["<pad>", "</s>"] as const;

export interface ByteLevelBpeBuild {
  readonly tokenizer: HfTokenizer;
  /** A standard HF tokenizer.json (ByteLevel pre-tokenizer and decoder, BPE model with merges). */
  readonly json: Record<string, unknown>;
  /** The matching tokenizer_config.json. */
  readonly config: Record<string, unknown>;
  /** The merges, in order. */
  readonly merges: readonly (readonly [string, string])[];
}

/**
 * Trains merges on `texts` until the vocabulary holds `vocabSize` tokens (specials and the 256
 * bytes included), or no pair occurs twice.
 */
export function buildByteLevelBpeTokenizer(texts: readonly string[], vocabSize: number): ByteLevelBpeBuild {
  const specials: readonly string[] = BYTE_LEVEL_BPE_SPECIALS;
  const base = specials.length + 256;
  if (!Number.isInteger(vocabSize) || vocabSize < base) {
    throw new RangeError(`buildByteLevelBpeTokenizer: vocabSize must be an integer ≥ ${base} (the specials and 256 bytes), got ${vocabSize}`);
  }
  // Distinct pieces with their counts, each as a list of symbols (byte-level characters).
  const counts = new Map<string, number>();
  for (const text of texts) {
    for (const part of splitOnSpecials(text, specials)) {
      if (specials.includes(part)) continue;
      for (const piece of splitBy(part, findAll({ kind: "regex", re: GPT2 }, part), "Isolated", false)) {
        const bl = toByteLevel(piece);
        counts.set(bl, (counts.get(bl) ?? 0) + 1);
      }
    }
  }
  const words = [...counts].map(([w, n]) => ({ syms: Array.from(w), n }));

  const merges: [string, string][] = [];
  while (base + merges.length < vocabSize) {
    const pairs = new Map<string, number>();
    for (const { syms, n } of words) {
      for (let i = 0; i + 1 < syms.length; i++) {
        const key = `${syms[i]} ${syms[i + 1]}`; // byte-level symbols never contain a space
        pairs.set(key, (pairs.get(key) ?? 0) + n);
      }
    }
    let best: string | undefined;
    let bestN = 1;
    for (const [key, n] of pairs) if (n > bestN || (n === bestN && best !== undefined && key < best)) [best, bestN] = [key, n];
    if (best === undefined) break;
    const [a, b] = best.split(" ") as [string, string];
    merges.push([a, b]);
    for (const w of words) {
      const out: string[] = [];
      for (let i = 0; i < w.syms.length; i++) {
        const merge = i + 1 < w.syms.length && w.syms[i] === a && w.syms[i + 1] === b;
        out.push(merge ? a + b : w.syms[i]!);
        if (merge) i++;
      }
      w.syms = out;
    }
  }

  const vocab: Record<string, number> = {};
  for (const c of BYTE_LEVEL.toChar) vocab[c] = specials.length + Object.keys(vocab).length;
  for (const [a, b] of merges) vocab[a + b] ??= specials.length + Object.keys(vocab).length;
  const json = {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: specials.map((content, id) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
    normalizer: null,
    pre_tokenizer: { type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: null,
    decoder: { type: "ByteLevel", add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: { type: "BPE", dropout: null, unk_token: null, continuing_subword_prefix: null, end_of_word_suffix: null, fuse_unk: false, byte_fallback: false, vocab, merges: merges.map(([a, b]) => `${a} ${b}`) },
  };
  const config = {
    tokenizer_class: "PreTrainedTokenizerFast",
    pad_token: "<pad>",
    eos_token: "</s>",
    add_bos_token: false,
    add_eos_token: false,
    clean_up_tokenization_spaces: false,
  };
  return { tokenizer: tokenizerFromJson(json, config), json, config, merges };
}
