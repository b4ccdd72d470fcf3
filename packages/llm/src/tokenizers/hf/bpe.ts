/**
 * The BPE model: a word starts as one symbol per character and the merge with the lowest rank
 * (its line number in `merges`) is applied until no adjacent pair has a merge. Pairs and merges
 * are keyed by ids, packed into one number (left·N + right), so the hot loop does integer Map
 * lookups instead of building strings.
 *
 * Characters not in the vocabulary stay as "unknown" symbols during merging (no merge can
 * involve them) and are resolved at the end: with `byte_fallback` into `<0xAB>` byte tokens
 * when all of their UTF-8 bytes have one, otherwise the unk token; `fuse_unk` collapses a run
 * of unk tokens into one. That is what both the Rust crate and @huggingface/tokenizers produce.
 */

import { badField, optBool, optString, TokenizerLoadError, type JsonObject, type Origin } from "./errors.js";
import { MergeQueue } from "./merge-queue.js";
import { readVocab, WordCache, type Vocab } from "./vocab.js";

export interface Model {
  readonly vocab: Vocab;
  readonly unkId: number | undefined;
  readonly unkToken: string | undefined;
  /** Suffix marking word ends (BPE `end_of_word_suffix`): the decoder turns it back into spaces. */
  readonly endOfWordSuffix: string | undefined;
  /** Ids of one pre-tokenized word. */
  encodeWord(word: string): number[];
}

const UTF8 = new TextEncoder();

/** Enough room for any real vocabulary; keeps rank·ID_SPAN + id below 2^53. */
const ID_SPAN = 1 << 22;

export class BpeModel implements Model {
  readonly vocab: Vocab;
  readonly unkId: number | undefined;
  readonly unkToken: string | undefined;
  readonly endOfWordSuffix: string | undefined;
  private readonly prefix: string | undefined;
  private readonly byteFallback: boolean;
  private readonly fuseUnk: boolean;
  private readonly ignoreMerges: boolean;
  /** (left·N + right) → rank·ID_SPAN + merged id. */
  private readonly merges = new Map<number, number>();
  private readonly n: number;
  private readonly cache = new WordCache();
  /** `<0xAB>` token id per byte value, or -1 if the vocab lacks it. */
  private readonly byteIds: Int32Array;

  constructor(origin: Origin, cfg: JsonObject, addedTokens: ReadonlyMap<string, number>) {
    this.vocab = readVocab(origin, cfg["vocab"]);
    // Added tokens are vocabulary too and win over the model's own entry (as in the Rust crate).
    for (const [content, id] of addedTokens) {
      this.vocab.toId.set(content, id);
      this.vocab.toToken[id] = content;
    }
    this.n = Math.max(this.vocab.toToken.length, 1);
    if (this.n > ID_SPAN) throw badField(origin, "vocab", `at most ${ID_SPAN} ids`, this.n);
    this.unkToken = optString(origin, cfg, "unk_token");
    this.unkId = this.unkToken === undefined ? undefined : this.vocab.toId.get(this.unkToken);
    this.prefix = optString(origin, cfg, "continuing_subword_prefix") || undefined;
    this.endOfWordSuffix = optString(origin, cfg, "end_of_word_suffix") || undefined;
    this.byteFallback = optBool(origin, cfg, "byte_fallback", false);
    this.fuseUnk = optBool(origin, cfg, "fuse_unk", false);
    this.ignoreMerges = optBool(origin, cfg, "ignore_merges", false);
    const dropout = cfg["dropout"];
    if (dropout !== undefined && dropout !== null && dropout !== 0) {
      throw new TokenizerLoadError(origin.file, `${origin.path}.dropout`, `unsupported ${origin.path}.dropout ${JSON.stringify(dropout)} (only deterministic BPE)`);
    }
    this.readMerges(origin, cfg["merges"]);
    this.byteIds = new Int32Array(256);
    for (let b = 0; b < 256; b++) this.byteIds[b] = this.vocab.toId.get(byteToken(b)) ?? -1;
  }

  /** Both serialisations: `"a b"` (older files) and `["a", "b"]` (tokenizers ≥ 0.20). */
  private readMerges(origin: Origin, raw: unknown): void {
    if (!Array.isArray(raw)) throw badField(origin, "merges", "an array", raw);
    raw.forEach((m: unknown, rank) => {
      let pair: [string, string] | undefined;
      if (typeof m === "string") {
        // The string form cannot hold a token with a space in it: exactly one space (as in Rust).
        const sp = m.indexOf(" ");
        if (sp >= 0 && m.indexOf(" ", sp + 1) < 0) pair = [m.slice(0, sp), m.slice(sp + 1)];
      } else if (Array.isArray(m) && m.length === 2 && typeof m[0] === "string" && typeof m[1] === "string") {
        pair = [m[0], m[1]];
      }
      if (pair === undefined) throw badField(origin, `merges[${rank}]`, '"a b" or ["a", "b"]', m);
      const [a, b] = pair;
      const merged = a + (this.prefix !== undefined && b.startsWith(this.prefix) ? b.slice(this.prefix.length) : b);
      const ia = this.vocab.toId.get(a);
      const ib = this.vocab.toId.get(b);
      const im = this.vocab.toId.get(merged);
      if (ia === undefined || ib === undefined || im === undefined) {
        const missing = ia === undefined ? a : ib === undefined ? b : merged;
        throw badField(origin, `merges[${rank}]`, `tokens in the vocab (${JSON.stringify(missing)} is not)`, m);
      }
      const key = ia * this.n + ib;
      // The first (best) rank wins if a file lists a pair twice.
      if (!this.merges.has(key)) this.merges.set(key, rank * ID_SPAN + im);
    });
  }

  encodeWord(word: string): number[] {
    if (word.length === 0) return [];
    const cached = this.cache.get(word);
    if (cached !== undefined) return cached;
    let ids: number[];
    const whole = this.ignoreMerges ? this.vocab.toId.get(word) : undefined;
    if (whole !== undefined) ids = [whole];
    else ids = this.mergeWord(word);
    this.cache.set(word, ids);
    return ids;
  }

  private mergeWord(word: string): number[] {
    const chars = Array.from(word);
    const len = chars.length;
    // Symbol i starts at char i; prev/next link the live symbols; id -1 = unknown character.
    const ids = new Int32Array(len);
    const prev = new Int32Array(len);
    const next = new Int32Array(len);
    for (let i = 0; i < len; i++) {
      let s = chars[i]!;
      if (i > 0 && this.prefix !== undefined) s = this.prefix + s;
      if (i === len - 1 && this.endOfWordSuffix !== undefined) s += this.endOfWordSuffix;
      ids[i] = this.vocab.toId.get(s) ?? -1;
      prev[i] = i - 1;
      next[i] = i + 1 < len ? i + 1 : -1;
    }
    const queue = new MergeQueue();
    const consider = (pos: number): void => {
      const r = next[pos]!;
      if (r < 0 || ids[pos]! < 0 || ids[r]! < 0) return;
      const m = this.merges.get(ids[pos]! * this.n + ids[r]!);
      if (m !== undefined) queue.push({ rank: Math.floor(m / ID_SPAN), pos, left: ids[pos]!, right: ids[r]! });
    };
    for (let i = 0; i + 1 < len; i++) consider(i);
    while (queue.size > 0) {
      const c = queue.pop()!;
      const r = next[c.pos]!;
      // Stale: this symbol or its right neighbour changed since the candidate was pushed.
      if (ids[c.pos] !== c.left || r < 0 || ids[r] !== c.right) continue;
      ids[c.pos] = this.merges.get(c.left * this.n + c.right)! % ID_SPAN;
      ids[r] = -2; // dead
      next[c.pos] = next[r]!;
      if (next[r]! >= 0) prev[next[r]!] = c.pos;
      if (prev[c.pos]! >= 0) consider(prev[c.pos]!);
      consider(c.pos);
    }
    const out: number[] = [];
    for (let i = 0; i >= 0 && i < len; i = next[i]!) {
      if (ids[i]! >= 0) out.push(ids[i]!);
      else this.resolveUnknown(chars[i]!, out);
    }
    return out;
  }

  private resolveUnknown(ch: string, out: number[]): void {
    if (this.byteFallback) {
      const bytes = UTF8.encode(ch);
      const byteIds = Array.from(bytes, (b) => this.byteIds[b]!);
      if (byteIds.every((id) => id >= 0)) {
        out.push(...byteIds);
        return;
      }
    }
    if (this.unkId === undefined) return; // no unk token: the character is dropped (as upstream)
    if (this.fuseUnk && out.length > 0 && out[out.length - 1] === this.unkId) return;
    out.push(this.unkId);
  }
}

export function byteToken(b: number): string {
  return `<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`;
}
