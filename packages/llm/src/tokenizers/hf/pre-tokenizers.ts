/**
 * Pre-tokenizers cut normalized text into "words"; the model (BPE, WordLevel) then works on each
 * word alone, so no token ever spans two words. They follow the Rust crate's semantics (the
 * reference the files are written for); where @huggingface/tokenizers 0.2.0 differs, the
 * README.md ("Tokenizers in detail") says so (Metaspace `split`, Punctuation runs, Whitespace on
 * non-ASCII letters, Split behaviors other than Isolated/Removed).
 */

import { BYTE_LEVEL } from "./byte-level-table.js";
import { asObject, badField, child, optBool, optString, reqString, unsupported, type JsonObject, type Origin } from "./errors.js";
import { findAll, readPattern, type Pattern } from "./patterns.js";

/** A word: its text, and whether it starts at offset 0 of the input (Metaspace "first"). */
export interface Piece {
  text: string;
  first: boolean;
}

export type PreTokenizer = (pieces: Piece[]) => Piece[];

export type SplitBehavior = "Removed" | "Isolated" | "MergedWithPrevious" | "MergedWithNext" | "Contiguous";
const BEHAVIORS: readonly string[] = ["Removed", "Isolated", "MergedWithPrevious", "MergedWithNext", "Contiguous"];

/**
 * Cuts `text` at the matches of `pattern` (Rust's NormalizedString::split). The text becomes
 * alternating spans (match or not); `invert` swaps the two roles; `behavior` says what happens
 * to the matches: dropped, kept alone, glued to the previous or next span, or runs of matches
 * glued together.
 */
export function splitBy(text: string, matches: Array<[number, number]>, behavior: SplitBehavior, invert: boolean): string[] {
  const spans: Array<{ s: number; e: number; m: boolean }> = [];
  let at = 0;
  for (const [s, e] of matches) {
    if (s > at) spans.push({ s: at, e: s, m: invert });
    spans.push({ s, e, m: !invert });
    at = e;
  }
  if (at < text.length) spans.push({ s: at, e: text.length, m: invert });

  let out: Array<{ s: number; e: number }> = [];
  switch (behavior) {
    case "Removed":
      out = spans.filter((x) => !x.m);
      break;
    case "Isolated":
      out = spans;
      break;
    case "Contiguous": {
      let prevMatch = false;
      for (const x of spans) {
        const last = out[out.length - 1];
        if (x.m && prevMatch && last) last.e = x.e;
        else out.push({ s: x.s, e: x.e });
        prevMatch = x.m;
      }
      break;
    }
    case "MergedWithPrevious": {
      let prevMatch = false;
      for (const x of spans) {
        const last = out[out.length - 1];
        if (x.m && !prevMatch && last) last.e = x.e;
        else out.push({ s: x.s, e: x.e });
        prevMatch = x.m;
      }
      break;
    }
    case "MergedWithNext": {
      let nextMatch = false;
      for (let i = spans.length - 1; i >= 0; i--) {
        const x = spans[i]!;
        const last = out[out.length - 1];
        if (x.m && !nextMatch && last) last.s = x.s;
        else out.push({ s: x.s, e: x.e });
        nextMatch = x.m;
      }
      out.reverse();
      break;
    }
  }
  return out.filter((x) => x.e > x.s).map((x) => text.slice(x.s, x.e));
}

/** Applies a per-piece splitter; only the first sub-piece of a first piece stays "first". */
function eachPiece(fn: (p: Piece) => string[]): PreTokenizer {
  return (pieces) => pieces.flatMap((p) => fn(p).map((text, i) => ({ text, first: p.first && i === 0 })));
}

function regexSplitter(re: RegExp, behavior: SplitBehavior, invert = false): PreTokenizer {
  const p: Pattern = { kind: "regex", re };
  return eachPiece(({ text }) => splitBy(text, findAll(p, text), behavior, invert));
}

// Rust's regex `\w` and `\s` are Unicode-wide; these are their JavaScript spellings.
const W = "\\p{Alphabetic}\\p{M}\\p{Nd}\\p{Pc}\\p{Join_Control}";
const S = "\\p{White_Space}";
/** Rust's `char::is_ascii_punctuation() || char::is_punctuation()` (category P). */
const PUNCT = "[!-\\/:-@\\[-`{-~\\p{P}]";
/** GPT-2's word regex, used by the ByteLevel pre-tokenizer when `use_regex` is on. */
export const GPT2 = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

export function createPreTokenizer(origin: Origin, raw: unknown): PreTokenizer | null {
  if (raw === null || raw === undefined) return null;
  const cfg = asObject(origin, "", raw);
  switch (cfg["type"]) {
    case "Sequence": {
      const list = cfg["pretokenizers"];
      if (!Array.isArray(list)) throw badField(origin, "pretokenizers", "an array", list);
      const parts = list
        .map((p, i) => createPreTokenizer(child(origin, `pretokenizers[${i}]`), p))
        .filter((p): p is PreTokenizer => p !== null);
      return (pieces) => parts.reduce((acc, p) => p(acc), pieces);
    }
    case "WhitespaceSplit":
      return regexSplitter(new RegExp(`[${S}]+`, "gu"), "Removed");
    case "Whitespace":
      // Keep the matches of \w+|[^\w\s]+ (= split on them, invert, drop the rest).
      return regexSplitter(new RegExp(`[${W}]+|[^${W}${S}]+`, "gu"), "Removed", true);
    case "CharDelimiterSplit": {
      const delimiter = reqString(origin, cfg, "delimiter");
      return eachPiece(({ text }) => text.split(delimiter).filter((s) => s.length > 0));
    }
    case "Punctuation":
      return regexSplitter(new RegExp(PUNCT, "gu"), behavior(origin, cfg, "Isolated"));
    case "Digits": {
      const individual = optBool(origin, cfg, "individual_digits", false);
      return regexSplitter(/\p{N}/gu, individual ? "Isolated" : "Contiguous");
    }
    case "Split": {
      const pattern = readPattern(origin, cfg["pattern"]);
      const b = behavior(origin, cfg, undefined);
      const invert = optBool(origin, cfg, "invert", false);
      return eachPiece(({ text }) => splitBy(text, findAll(pattern, text), b, invert));
    }
    case "Metaspace":
      return metaspace(origin, cfg);
    case "ByteLevel": {
      const addPrefixSpace = optBool(origin, cfg, "add_prefix_space", true);
      const useRegex = optBool(origin, cfg, "use_regex", true);
      const enc = new TextEncoder();
      const toChars = (s: string): string => Array.from(enc.encode(s), (b) => BYTE_LEVEL.toChar[b]).join("");
      return eachPiece(({ text }) => {
        const t = addPrefixSpace && !text.startsWith(" ") ? ` ${text}` : text;
        const words = useRegex ? splitBy(t, findAll({ kind: "regex", re: GPT2 }, t), "Isolated", false) : [t];
        return words.map(toChars);
      });
    }
    default:
      throw unsupported(origin, "pre_tokenizer", cfg["type"]);
  }
}

function behavior(origin: Origin, cfg: JsonObject, dflt: SplitBehavior | undefined): SplitBehavior {
  const b = cfg["behavior"] ?? dflt;
  if (typeof b !== "string" || !BEHAVIORS.includes(b)) throw badField(origin, "behavior", BEHAVIORS.join("|"), b);
  return b as SplitBehavior;
}

/**
 * Spaces become the replacement ("▁"), a "▁" is prepended per `prepend_scheme` (always / first:
 * only to the piece at offset 0 / never), and with `split` the text is cut before each "▁".
 * Older files say `add_prefix_space` instead of `prepend_scheme`.
 */
function metaspace(origin: Origin, cfg: JsonObject): PreTokenizer {
  const replacement = optString(origin, cfg, "replacement") ?? "\u2581";
  const legacyPrefix = optBool(origin, cfg, "add_prefix_space", true);
  const scheme = optString(origin, cfg, "prepend_scheme") ?? (legacyPrefix ? "always" : "never");
  if (!["always", "first", "never"].includes(scheme)) throw badField(origin, "prepend_scheme", "always|first|never", scheme);
  const split = optBool(origin, cfg, "split", true);
  const rep: Pattern = { kind: "string", literal: replacement };
  return eachPiece(({ text, first }) => {
    let t = text.split(" ").join(replacement);
    if (!t.startsWith(replacement) && (scheme === "always" || (scheme === "first" && first))) t = replacement + t;
    return split ? splitBy(t, findAll(rep, t), "MergedWithNext", false) : [t];
  });
}
