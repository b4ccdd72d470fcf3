/**
 * Normalizers: string → string, applied to each stretch of text between added tokens before
 * pre-tokenization. SentencePiece-style Llama tokenizers use Sequence[Prepend("▁"),
 * Replace(" " → "▁")], which is how spaces become "▁" and every stretch gets a leading "▁".
 * We do not track offsets (nothing in @mini/llm needs them), so a normalizer is a plain function.
 */

import { asObject, badField, child, optBool, reqString, unsupported, type JsonObject, type Origin } from "./errors.js";
import { readPattern, replaceAll } from "./patterns.js";

export type Normalizer = (text: string) => string;

export function createNormalizer(origin: Origin, raw: unknown): Normalizer | null {
  if (raw === null || raw === undefined) return null;
  const cfg = asObject(origin, "", raw);
  switch (cfg["type"]) {
    case "Sequence":
      return sequence(origin, cfg);
    case "Prepend": {
      const prepend = reqString(origin, cfg, "prepend");
      // The Rust crate prepends only to non-empty text; an empty stretch stays empty.
      return (t) => (t.length > 0 ? prepend + t : t);
    }
    case "Replace": {
      const pattern = readPattern(origin, cfg["pattern"]);
      const content = reqString(origin, cfg, "content");
      return (t) => replaceAll(pattern, t, content);
    }
    case "NFC":
    case "NFD":
    case "NFKC":
    case "NFKD": {
      const form = cfg["type"];
      return (t) => t.normalize(form);
    }
    case "Lowercase":
      return (t) => t.toLowerCase();
    case "Strip": {
      const left = optBool(origin, cfg, "strip_left", true);
      const right = optBool(origin, cfg, "strip_right", true);
      return (t) => (left && right ? t.trim() : left ? t.trimStart() : right ? t.trimEnd() : t);
    }
    case "StripAccents":
      // Removes combining marks; meaningful after NFD/NFKD, as in the Rust crate.
      return (t) => t.replace(/\p{Mn}/gu, "");
    default:
      throw unsupported(origin, "normalizer", cfg["type"]);
  }
}

function sequence(origin: Origin, cfg: JsonObject): Normalizer {
  const list = cfg["normalizers"];
  if (!Array.isArray(list)) throw badField(origin, "normalizers", "an array", list);
  const parts = list
    .map((n, i) => createNormalizer(child(origin, `normalizers[${i}]`), n))
    .filter((n): n is Normalizer => n !== null);
  return (t) => parts.reduce((acc, n) => n(acc), t);
}
