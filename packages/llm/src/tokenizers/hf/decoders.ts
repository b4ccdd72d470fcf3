/**
 * Decoders turn the token strings of `decode` back into text. Each one maps a list of strings
 * to a list of strings (the Rust crate's `decode_chain`); the tokenizer joins the final list.
 * The Llama/SentencePiece chain is Replace("▁"→" "), ByteFallback, Fuse, Strip(" ", 1, 0): spaces
 * come back, `<0xE5><0x81><0x86>` runs become "字", everything is joined, and the one space that
 * the normalizer's Prepend added in front of the text is dropped.
 */

import { BYTE_LEVEL } from "./byte-level-table.js";
import { asObject, badField, child, optBool, optNumber, optString, reqString, unsupported, type Origin } from "./errors.js";
import { readPattern, replaceAll } from "./patterns.js";

export type Decoder = ((tokens: string[]) => string[]) & {
  /** Its output is one string (Fuse, or a Sequence containing one). */
  readonly fuses?: boolean;
  /** It rewrites the text of each token (Replace). */
  readonly replaces?: boolean;
  /**
   * A later token can change the text of earlier ones: a Replace after a Fuse sees across token
   * boundaries (" ' " + "s" → "'s"). The stream decoder then holds back the last word.
   */
  readonly crossesTokens?: boolean;
};

export interface DecoderContext {
  /** Contents of the added tokens: the ByteLevel decoder passes them through untouched. */
  readonly addedTokens: ReadonlySet<string>;
}

export function createDecoder(origin: Origin, raw: unknown, ctx: DecoderContext): Decoder | null {
  if (raw === null || raw === undefined) return null;
  const cfg = asObject(origin, "", raw);
  switch (cfg["type"]) {
    case "Sequence": {
      const list = cfg["decoders"];
      if (!Array.isArray(list)) throw badField(origin, "decoders", "an array", list);
      const parts = list
        .map((d, i) => createDecoder(child(origin, `decoders[${i}]`), d, ctx))
        .filter((d): d is Decoder => d !== null);
      let fused = false;
      let crossesTokens = false;
      for (const d of parts) {
        if (d.crossesTokens || (fused && d.replaces)) crossesTokens = true;
        if (d.fuses) fused = true;
      }
      return Object.assign((tokens: string[]) => parts.reduce((acc, d) => d(acc), tokens), {
        fuses: fused,
        replaces: parts.some((d) => d.replaces),
        crossesTokens,
      });
    }
    case "Replace": {
      const pattern = readPattern(origin, cfg["pattern"]);
      const content = reqString(origin, cfg, "content");
      return Object.assign((tokens: string[]) => tokens.map((t) => replaceAll(pattern, t, content)), { replaces: true });
    }
    case "ByteFallback":
      return byteFallback;
    case "Fuse":
      return Object.assign((tokens: string[]) => [tokens.join("")], { fuses: true });
    case "Strip": {
      const content = reqString(origin, cfg, "content");
      const start = optNumber(origin, cfg, "start", 0);
      const stop = optNumber(origin, cfg, "stop", 0);
      return (tokens) => tokens.map((t) => strip(t, content, start, stop));
    }
    case "ByteLevel":
      return (tokens) => byteLevel(tokens, ctx.addedTokens);
    case "Metaspace": {
      const replacement = optString(origin, cfg, "replacement") ?? "\u2581";
      const legacyPrefix = optBool(origin, cfg, "add_prefix_space", true);
      const scheme = optString(origin, cfg, "prepend_scheme") ?? (legacyPrefix ? "always" : "never");
      return (tokens) =>
        tokens.map((t, i) => {
          const s = t.split(replacement).join(" ");
          // The first token's leading space is the one the pre-tokenizer prepended.
          return i === 0 && scheme !== "never" && s.startsWith(" ") ? s.slice(1) : s;
        });
    }
    case "WordPiece": {
      // Every token but the first: strip the continuation prefix, or else put a space in front;
      // then, with cleanup, transformers' rules on that one token's text. The Rust crate's
      // cleanup also has " do not" → " don't"; we follow @huggingface/tokenizers, which does not
      // (it can only fire on a token containing a space). Omitted fields take the Rust defaults.
      const prefix = optString(origin, cfg, "prefix") ?? "##";
      const cleanup = optBool(origin, cfg, "cleanup", true);
      return (tokens) =>
        tokens.map((t, i) => {
          let s = i === 0 ? t : t.startsWith(prefix) ? t.slice(prefix.length) : ` ${t}`;
          if (cleanup) s = cleanUpTokenizationSpaces(s);
          return s;
        });
    }
    case "BPEDecoder": {
      const suffix = optString(origin, cfg, "suffix") ?? "</w>";
      return (tokens) => tokens.map((t, i) => t.split(suffix).join(i === tokens.length - 1 ? "" : " "));
    }
    default:
      throw unsupported(origin, "decoder", cfg["type"]);
  }
}

/**
 * Runs of `<0xAB>` tokens become their UTF-8 text; an invalid or unfinished sequence becomes
 * U+FFFD the way TextDecoder does it (one per maximal bad subpart), as @huggingface/tokenizers
 * does. The Rust crate instead turns the *whole* run into one U+FFFD per byte when any of it is
 * invalid; TextDecoder's rule keeps a valid prefix stable, which the stream decoder relies on.
 */
function byteFallback(tokens: string[]): string[] {
  const out: string[] = [];
  let run: number[] = [];
  const flush = (): void => {
    if (run.length === 0) return;
    // A fresh non-fatal decoder that (like @huggingface/tokenizers') drops a leading BOM.
    out.push(new TextDecoder().decode(Uint8Array.from(run)));
    run = [];
  };
  for (const t of tokens) {
    const b = t.length === 6 && t.startsWith("<0x") && t.endsWith(">") ? parseInt(t.slice(3, 5), 16) : NaN;
    if (Number.isNaN(b)) {
      flush();
      out.push(t);
    } else {
      run.push(b);
    }
  }
  flush();
  return out;
}

/** Removes up to `start` leading and `stop` trailing copies of the one-character `content`. */
function strip(t: string, content: string, start: number, stop: number): string {
  let from = 0;
  while (from < start && t[from] === content) from++;
  let to = t.length;
  while (t.length - to < stop && to > from && t[to - 1] === content) to--;
  return t.slice(from, to);
}

/** GPT-2 byte-level: every char stands for a byte; the bytes are UTF-8 text. */
function byteLevel(tokens: string[], added: ReadonlySet<string>): string[] {
  const out: string[] = [];
  let bytes: number[] = [];
  const flush = (): void => {
    if (bytes.length > 0) out.push(new TextDecoder("utf-8", { ignoreBOM: true }).decode(Uint8Array.from(bytes)));
    bytes = [];
  };
  const enc = new TextEncoder();
  for (const t of tokens) {
    if (added.has(t)) {
      flush();
      out.push(t);
      continue;
    }
    const mapped = Array.from(t, (c) => BYTE_LEVEL.toByte.get(c));
    // A token with a char outside the table (not byte-level at all) keeps its own UTF-8 bytes.
    if (mapped.every((b) => b !== undefined)) bytes.push(...(mapped as number[]));
    else bytes.push(...enc.encode(t));
  }
  flush();
  return out;
}

/** transformers' `clean_up_tokenization`: removes the space before punctuation and contractions. */
export function cleanUpTokenizationSpaces(text: string): string {
  return text
    .replaceAll(" .", ".")
    .replaceAll(" ?", "?")
    .replaceAll(" !", "!")
    .replaceAll(" ,", ",")
    .replaceAll(" ' ", "'")
    .replaceAll(" n't", "n't")
    .replaceAll(" 'm", "'m")
    .replaceAll(" 's", "'s")
    .replaceAll(" 've", "'ve")
    .replaceAll(" 're", "'re");
}
