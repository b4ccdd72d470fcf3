/**
 * The `pattern` field shared by Replace (normalizer and decoder) and Split: `{ "String": "…" }`
 * is a literal, `{ "Regex": "…" }` an Oniguruma regex (the Rust crate's engine). JavaScript's
 * `u`-mode RegExp agrees with Oniguruma on the patterns tokenizers use (\p{L}, \p{N},
 * lookahead), except inline flag groups such as `(?i:'s|'t)`, which Node 20 cannot parse, and
 * the class escapes \s \d \w, which are narrower or different in JS; `translateOniguruma`
 * rewrites both. Anything else that fails to compile is reported, naming the file and the
 * pattern, rather than guessed at.
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
    return new RegExp(translateOniguruma(source), "gu");
  } catch {
    throw badField(origin, "pattern.Regex", "a regex JavaScript can run", source);
  }
}

// Oniguruma's Unicode meaning of the class escapes (what @huggingface/tokenizers rewrites them to
// as well): JS's \s adds U+FEFF and misses U+0085 (so Llama-3's `[^\s\p{L}\p{N}]` would glue
// U+0085 to punctuation), and its \d and \w are ASCII-only.
const WORD = "\\p{Alphabetic}\\p{M}\\p{Nd}\\p{Pc}";
const ESCAPES: Record<string, { outside: string; inside: string | undefined }> = {
  s: { outside: "\\p{White_Space}", inside: "\\p{White_Space}" },
  S: { outside: "\\P{White_Space}", inside: "\\P{White_Space}" },
  d: { outside: "\\p{Nd}", inside: "\\p{Nd}" },
  D: { outside: "\\P{Nd}", inside: "\\P{Nd}" },
  w: { outside: `[${WORD}]`, inside: WORD },
  W: { outside: `[^${WORD}]`, inside: undefined }, // a complement inside [...] has no JS spelling
};

/**
 * Oniguruma → JavaScript: `(?i:'s|'T)` → `(?:'[sS]|'[tT])` (Node 20 cannot parse inline flag
 * groups; only ASCII letters outside character classes are folded), and \s \S \d \D \w \W get
 * their Unicode meaning. Escapes with a body (`\p{L}`, `\x41`, `\u{1F600}`) are copied whole so
 * their letters are never folded. Throws on what it cannot translate.
 */
function translateOniguruma(source: string): string {
  let out = "";
  const foldStack: boolean[] = []; // per open group: was case folding on inside it?
  let fold = false;
  let inClass = false;
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    if (c === "\\") {
      const next = source[i + 1] ?? "";
      const body = /^(?:[pPxu]\{[^}]*\}|x[0-9A-Fa-f]{2}|u[0-9A-Fa-f]{4}|c[A-Za-z])/.exec(source.slice(i + 1));
      if (body !== null) {
        out += `\\${body[0]}`;
        i += 1 + body[0].length;
        continue;
      }
      const esc = ESCAPES[next];
      if (esc !== undefined) {
        const rewritten = inClass ? esc.inside : esc.outside;
        if (rewritten === undefined) throw new Error(`\\${next} inside a character class`);
        out += rewritten;
      } else {
        out += `\\${next}`;
      }
      i += 2;
      continue;
    }
    if (inClass) {
      if (fold && /[a-zA-Z]/.test(c)) throw new Error("character class inside (?i:…)");
      if (c === "]") inClass = false;
      out += c;
      i++;
      continue;
    }
    if (c === "[") {
      inClass = true;
      out += c;
      // A leading "]" (or "^]") is a literal, not the end of the class.
      const lead = /^\^?\]/.exec(source.slice(i + 1));
      if (lead !== null) {
        out += lead[0].replace("]", "\\]");
        i += lead[0].length;
      }
      i++;
      continue;
    }
    if (source.startsWith("(?i:", i)) {
      foldStack.push(fold);
      fold = true;
      out += "(?:";
      i += 4;
      continue;
    }
    if (c === "(") foldStack.push(fold);
    if (c === ")") fold = foldStack.pop() ?? false;
    out += fold && /[a-zA-Z]/.test(c) ? `[${c.toLowerCase()}${c.toUpperCase()}]` : c;
    i++;
  }
  return out;
}
