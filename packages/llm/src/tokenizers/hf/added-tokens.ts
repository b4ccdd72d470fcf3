/**
 * Added tokens (`<s>`, `</s>`, `<|im_start|>` …) are found in the text before the model sees it,
 * so "<|im_start|>" is one id and never the BPE pieces of "<", "|", "im" ….
 *
 * Two passes, as in the Rust crate and @huggingface/tokenizers:
 *   1. tokens with `normalized: false` (or any token when there is no normalizer) are matched in
 *      the raw text;
 *   2. each stretch between them is normalized, and tokens with `normalized: true` are matched
 *      in the normalized stretch, by their *normalized* content. With a Prepend("▁") normalizer
 *      that content is "▁<|start_story|>", so such a token is only found after a space or at the
 *      start of a stretch: a known quirk of SentencePiece-converted files, reproduced on purpose.
 * Matching is leftmost-longest. `lstrip` / `rstrip` eat the whitespace beside a match;
 * `single_word` only accepts a match not touching a word character (Rust semantics; the JS oracle
 * ignores single_word).
 */

import { asObject, badField, child, optBool, reqString, type Origin } from "./errors.js";
import type { Normalizer } from "./normalizers.js";

export interface AddedToken {
  readonly id: number;
  readonly content: string;
  readonly singleWord: boolean;
  readonly lstrip: boolean;
  readonly rstrip: boolean;
  readonly normalized: boolean;
  readonly special: boolean;
}

export function readAddedTokens(origin: Origin, raw: unknown): AddedToken[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw badField(origin, "", "an array", raw);
  return raw.map((entry: unknown, i) => {
    const o = child(origin, `[${i}]`);
    const t = asObject(o, "", entry);
    const id = t["id"];
    if (typeof id !== "number" || !Number.isInteger(id) || id < 0) throw badField(o, "id", "a non-negative integer", id);
    const special = optBool(o, t, "special", false);
    return {
      id,
      content: reqString(o, t, "content"),
      singleWord: optBool(o, t, "single_word", false),
      lstrip: optBool(o, t, "lstrip", false),
      rstrip: optBool(o, t, "rstrip", false),
      // The Rust crate's default: special tokens are not normalized, others are.
      normalized: optBool(o, t, "normalized", !special),
      special,
    };
  });
}

interface TrieNode {
  next: Map<string, TrieNode>;
  /** The token content ending here, if any. */
  end?: string;
}

/** A character trie answering "the longest token starting at i". */
class Splitter {
  private readonly root: TrieNode = { next: new Map() };

  constructor(
    contents: Iterable<string>,
    private readonly lookup: (content: string) => AddedToken | undefined,
  ) {
    for (const c of contents) {
      let node = this.root;
      // By UTF-16 unit, the way split() walks the text.
      for (let k = 0; k < c.length; k++) {
        const ch = c[k]!;
        let n = node.next.get(ch);
        if (n === undefined) node.next.set(ch, (n = { next: new Map() }));
        node = n;
      }
      if (c.length > 0) node.end = c;
    }
  }

  /** Text cut into alternating plain stretches and token contents (plain ones may be ""). */
  split(text: string): string[] {
    if (this.root.next.size === 0) return [text];
    const out: string[] = [];
    let start = 0;
    let i = 0;
    while (i < text.length) {
      let node: TrieNode | undefined = this.root;
      let match: string | undefined;
      for (let j = i; j < text.length; j++) {
        node = node.next.get(text[j]!);
        if (node === undefined) break;
        if (node.end !== undefined) match = node.end;
      }
      if (match === undefined) {
        i++;
        continue;
      }
      if (this.lookup(match)?.singleWord && !standsAlone(text, i, i + match.length)) {
        i += match.length; // as in Rust: the match is dropped and scanning resumes after it
        continue;
      }
      if (i > start) out.push(text.slice(start, i));
      out.push(match);
      i += match.length;
      start = i;
    }
    if (start < text.length) out.push(text.slice(start));
    return out;
  }
}

const WORD_AT_END = /[\p{Alphabetic}\p{M}\p{Nd}\p{Pc}\p{Join_Control}]$/u;
const WORD_AT_START = /^[\p{Alphabetic}\p{M}\p{Nd}\p{Pc}\p{Join_Control}]/u;

function standsAlone(text: string, start: number, stop: number): boolean {
  return !WORD_AT_END.test(text.slice(0, start)) && !WORD_AT_START.test(text.slice(stop));
}

export class AddedVocabulary {
  /** Content and normalized content → token. */
  private readonly byContent = new Map<string, AddedToken>();
  private readonly raw: Splitter;
  private readonly normalizedSplitter: Splitter;

  constructor(readonly tokens: readonly AddedToken[], normalizer: Normalizer | null) {
    const rawContents: string[] = [];
    const normalizedContents: string[] = [];
    for (const t of tokens) {
      this.byContent.set(t.content, t);
      if (t.normalized && normalizer !== null) {
        const n = normalizer(t.content);
        this.byContent.set(n, t);
        normalizedContents.push(n);
      } else {
        rawContents.push(t.content);
      }
    }
    const lookup = (c: string): AddedToken | undefined => this.byContent.get(c);
    this.raw = new Splitter(rawContents, lookup);
    this.normalizedSplitter = new Splitter(normalizedContents, lookup);
  }

  /** The token a whole piece of text is, if any (by content or normalized content). */
  tokenOf(piece: string): AddedToken | undefined {
    return this.byContent.get(piece);
  }

  /** Pass 1: cut the raw text around `normalized: false` tokens. */
  splitRaw(text: string): string[] {
    return this.stripAround(this.raw.split(text));
  }

  /** Pass 2: cut a normalized stretch around `normalized: true` tokens. */
  splitNormalized(text: string): string[] {
    return this.stripAround(this.normalizedSplitter.split(text));
  }

  /** lstrip / rstrip: trim the whitespace of the neighbouring stretch. */
  private stripAround(parts: string[]): string[] {
    for (let i = 0; i < parts.length; i++) {
      const t = this.byContent.get(parts[i]!);
      if (t === undefined) continue;
      if (t.lstrip && i > 0) parts[i - 1] = parts[i - 1]!.trimEnd();
      if (t.rstrip && i < parts.length - 1) parts[i + 1] = parts[i + 1]!.trimStart();
    }
    return parts;
  }
}
