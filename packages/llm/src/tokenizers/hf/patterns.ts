/**
 * The `pattern` field shared by Replace (normalizer and decoder) and Split: `{ "String": "…" }`
 * is a literal, `{ "Regex": "…" }` an Oniguruma regex (the Rust crate's engine). JavaScript's
 * `u`-mode RegExp agrees with Oniguruma on the patterns tokenizers use (\p{L}, \p{N}, \s,
 * lookahead), except inline flag groups such as `(?i:'s|'t)`, which Node 20 cannot parse; we
 * rewrite those by spelling each ASCII letter as a two-letter class. Anything else that fails
 * to compile is reported, naming the file and the pattern, rather than guessed at.
 */

import { badField, isObject, type Origin } from "./errors.js";

export type Pattern = { kind: "string"; literal: string } | { kind: "regex"; re: RegExp };

export function readPattern(origin: Origin, raw: unknown): Pattern {
  if (isObject(raw) && typeof raw["String"] === "string") return { kind: "string", literal: raw["String"] };
  if (isObject(raw) && typeof raw["Regex"] === "string") return { kind: "regex", re: compileOniguruma(origin, raw["Regex"]) };
  throw badField(origin, "pattern", '{"String": …} or {"Regex": …}', raw);
}

/** Every match of `p` in `text` as [start, end) pairs, left to right, non-overlapping. */
export function findAll(p: Pattern, text: string): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  if (p.kind === "string") {
    if (p.literal === "") return out;
    for (let i = text.indexOf(p.literal); i >= 0; i = text.indexOf(p.literal, i + p.literal.length)) {
      out.push([i, i + p.literal.length]);
    }
    return out;
  }
  for (const m of text.matchAll(p.re)) {
    // An empty match splits nothing (the Rust crate skips them too).
    if (m[0].length > 0) out.push([m.index, m.index + m[0].length]);
  }
  return out;
}

export function replaceAll(p: Pattern, text: string, content: string): string {
  if (p.kind === "string") return p.literal === "" ? text : text.split(p.literal).join(content);
  // A function replacer, so `$1` or `$&` in `content` stay literal, as in the Rust crate.
  return text.replace(p.re, () => content);
}

function compileOniguruma(origin: Origin, source: string): RegExp {
  try {
    return new RegExp(source, "gu");
  } catch {
    try {
      return new RegExp(expandCaseInsensitiveGroups(source), "gu");
    } catch {
      throw badField(origin, "pattern.Regex", "a regex JavaScript can run", source);
    }
  }
}

/** `(?i:'s|'T)` → `(?:'[sS]|'[tT])`; only ASCII letters outside character classes are handled. */
function expandCaseInsensitiveGroups(source: string): string {
  let out = "";
  let i = 0;
  while (i < source.length) {
    if (source.startsWith("(?i:", i)) {
      out += "(?:";
      i += 4;
      let depth = 1;
      while (i < source.length && depth > 0) {
        const c = source[i]!;
        if (c === "\\") {
          out += source.slice(i, i + 2);
          i += 2;
          continue;
        }
        if (c === "[") throw new Error("character class inside (?i:…)");
        if (c === "(") depth++;
        if (c === ")") depth--;
        out += /[a-zA-Z]/.test(c) ? `[${c.toLowerCase()}${c.toUpperCase()}]` : c;
        i++;
      }
      continue;
    }
    if (source[i] === "\\") {
      out += source.slice(i, i + 2);
      i += 2;
      continue;
    }
    out += source[i];
    i++;
  }
  return out;
}
