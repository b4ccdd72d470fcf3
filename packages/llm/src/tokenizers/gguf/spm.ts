/**
 * The `llama` tokenizer of GGUF files (tokenizer.ggml.model = "llama"): SentencePiece BPE as
 * llama.cpp runs it (llm_tokenizer_spm), from the tokens, their scores and types alone.
 *
 *   text → split out special tokens (CONTROL / USER_DEFINED / UNKNOWN, longest first)
 *   each text run: prefix a space if it starts the input or follows a special token
 *                  (add_space_prefix), spaces → "▁", then characters as symbols;
 *   repeatedly merge the adjacent pair whose concatenation is a token with the highest score
 *   (ties: leftmost); a symbol that is not a token becomes its UTF-8 bytes as <0xXX> tokens.
 *
 * This differs from HF's merges-list BPE only where a token is reachable through a split that is
 * not its listed merge; files mini writes give merged tokens the score −(merge rank).
 */
import type { DecodeOptions, EncodeOptions, Tokenizer } from "../tokenizer.js";
import { isSpecialType, partitionSpecials, TOKEN_TYPE } from "./token-types.js";

export interface GgufVocab {
  readonly tokens: readonly string[];
  readonly scores: readonly number[];
  readonly types: readonly number[];
  readonly bosId?: number;
  readonly eosId?: number;
  readonly unkId?: number;
  readonly padId?: number;
  readonly addBos: boolean;
  readonly addEos: boolean;
  readonly chatTemplate?: string;
}

const SPACE = "\u2581";

interface Bigram {
  left: number;
  right: number;
  score: number;
  size: number;
}

export class SpmTokenizer implements Tokenizer {
  readonly vocabSize: number;
  readonly bosId?: number;
  readonly eosId?: number;
  readonly specialIds: ReadonlySet<number>;
  readonly addBosToken: boolean;
  readonly addEosToken: boolean;
  readonly bosToken?: string;
  readonly eosToken?: string;
  readonly unkToken?: string;
  readonly padToken?: string;
  readonly chatTemplate?: string;
  readonly cleanUpTokenizationSpaces = false;
  readonly decodeRevisesLastWord = false;
  private readonly toId = new Map<string, number>();
  private readonly specials: { text: string; id: number }[];

  constructor(
    private readonly v: GgufVocab,
    private readonly addSpacePrefix = true,
  ) {
    this.vocabSize = v.tokens.length;
    v.tokens.forEach((t, i) => {
      if (!this.toId.has(t)) this.toId.set(t, i);
    });
    this.specials = v.tokens
      .map((text, id) => ({ text, id }))
      .filter(({ id }) => isSpecialType(v.types[id] ?? TOKEN_TYPE.NORMAL))
      .sort((a, b) => b.text.length - a.text.length || a.id - b.id);
    this.specialIds = new Set(v.tokens.map((_, id) => id).filter((id) => v.types[id] === TOKEN_TYPE.CONTROL));
    this.bosId = v.bosId;
    this.eosId = v.eosId;
    this.addBosToken = v.addBos;
    this.addEosToken = v.addEos;
    this.bosToken = v.bosId === undefined ? undefined : v.tokens[v.bosId];
    this.eosToken = v.eosId === undefined ? undefined : v.tokens[v.eosId];
    this.unkToken = v.unkId === undefined ? undefined : v.tokens[v.unkId];
    this.padToken = v.padId === undefined ? undefined : v.tokens[v.padId];
    this.chatTemplate = v.chatTemplate;
  }

  encode(text: string, opts?: EncodeOptions): number[] {
    const add = opts?.addSpecialTokens ?? true;
    const out: number[] = [];
    if (add && this.addBosToken && this.bosId !== undefined) out.push(this.bosId);
    let prevSpecial = true;
    for (const part of partitionSpecials(text, this.specials)) {
      if (typeof part === "number") {
        out.push(part);
        prevSpecial = true;
        continue;
      }
      const prefixed = (this.addSpacePrefix && prevSpecial ? " " : "") + part;
      this.encodeRun(prefixed.replaceAll(" ", SPACE), out);
      prevSpecial = false;
    }
    if (add && this.addEosToken && this.eosId !== undefined) out.push(this.eosId);
    return out;
  }

  /** One text run (spaces already "▁") by score-ordered merges. */
  private encodeRun(text: string, out: number[]): void {
    const sym = Array.from(text); // code points
    const n = sym.length;
    const prev = Array.from({ length: n }, (_, i) => i - 1);
    const next = Array.from({ length: n }, (_, i) => (i + 1 < n ? i + 1 : -1));
    const alive = new Uint8Array(n).fill(1);
    const heap = new BigramHeap();
    const tryAdd = (l: number, r: number): void => {
      if (l < 0 || r < 0) return;
      const id = this.toId.get(sym[l]! + sym[r]!);
      if (id === undefined) return;
      heap.push({ left: l, right: r, score: this.v.scores[id] ?? 0, size: sym[l]!.length + sym[r]!.length });
    };
    for (let i = 1; i < n; i++) tryAdd(i - 1, i);
    for (let b = heap.pop(); b !== undefined; b = heap.pop()) {
      const { left, right } = b;
      // Stale: one side was merged away or grew since this pair was queued.
      if (!alive[left] || !alive[right] || sym[left]!.length + sym[right]!.length !== b.size || next[left] !== right) continue;
      sym[left] = sym[left]! + sym[right]!;
      alive[right] = 0;
      next[left] = next[right]!;
      if (next[left]! >= 0) prev[next[left]!] = left;
      tryAdd(prev[left]!, left);
      tryAdd(left, next[left]!);
    }
    // Symbol 0 is never merged away (a merge keeps its left side), so the chain starts there.
    for (let i = n > 0 ? 0 : -1; i !== -1; i = next[i]!) {
      const id = this.toId.get(sym[i]!);
      if (id !== undefined) {
        out.push(id);
        continue;
      }
      for (const byte of new TextEncoder().encode(sym[i]!)) {
        const b = this.toId.get(`<0x${byte.toString(16).toUpperCase().padStart(2, "0")}>`);
        if (b !== undefined) out.push(b);
        else if (this.v.unkId !== undefined) out.push(this.v.unkId);
      }
    }
  }

  decode(ids: readonly number[], opts?: DecodeOptions): string {
    const bytes: number[] = [];
    const enc = new TextEncoder();
    ids.forEach((id) => {
      const t = this.v.tokens[id];
      const type = this.v.types[id] ?? TOKEN_TYPE.NORMAL;
      if (t === undefined) return;
      if (type === TOKEN_TYPE.CONTROL && opts?.skipSpecialTokens) return;
      if (type === TOKEN_TYPE.BYTE) {
        const m = /^<0x([0-9A-Fa-f]{2})>$/.exec(t);
        if (m !== null) {
          bytes.push(parseInt(m[1]!, 16));
          return;
        }
      }
      for (const b of enc.encode(type === TOKEN_TYPE.NORMAL || type === TOKEN_TYPE.USER_DEFINED ? t.replaceAll(SPACE, " ") : t)) bytes.push(b);
    });
    const text = new TextDecoder("utf-8", { ignoreBOM: true }).decode(new Uint8Array(bytes));
    // The space the encoder prefixed to the input.
    return this.addSpacePrefix && text.startsWith(" ") ? text.slice(1) : text;
  }

  idToToken(id: number): string | undefined {
    return this.v.tokens[id];
  }

  tokenToId(token: string): number | undefined {
    return this.toId.get(token);
  }
}

/** Max-heap by score, then smallest left index (llama.cpp's llm_bigram_spm comparator). */
class BigramHeap {
  private readonly a: Bigram[] = [];
  private before(x: Bigram, y: Bigram): boolean {
    return x.score > y.score || (x.score === y.score && x.left < y.left);
  }
  push(b: Bigram): void {
    const a = this.a;
    a.push(b);
    for (let i = a.length - 1; i > 0; ) {
      const p = (i - 1) >> 1;
      if (!this.before(a[i]!, a[p]!)) break;
      [a[i], a[p]] = [a[p]!, a[i]!];
      i = p;
    }
  }
  pop(): Bigram | undefined {
    const a = this.a;
    if (a.length === 0) return undefined;
    const top = a[0]!;
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && this.before(a[l]!, a[m]!)) m = l;
        if (r < a.length && this.before(a[r]!, a[m]!)) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m]!, a[i]!];
        i = m;
      }
    }
    return top;
  }
}
