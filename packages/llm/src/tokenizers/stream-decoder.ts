/**
 * Incremental detokenization for generation: `push(id)` returns the text that id completes,
 * and the concatenation of every returned chunk plus `flush()` is exactly
 * `tokenizer.decode(allIds)`.
 *
 * Decoding token by token is wrong in two ways: byte-fallback tokens arrive one UTF-8 byte at a
 * time (`<0xE5>` alone is not text), and decoders look at their neighbours (the Llama chain strips
 * one leading space from the *whole* text; Metaspace strips it from the first token). So we decode
 * a window of recent ids as a whole and emit only what is new and stable:
 *   - text ending in U+FFFD may be an unfinished UTF-8 sequence: the trailing U+FFFD run is held
 *     back until a later token shows whether it completes;
 *   - a decoder that replaces across tokens (tokenizer.decodeRevisesLastWord) can change text after
 *     the last space, so that tail is held back too; with transformers' space clean-up on
 *     (" ," → ",") the rules chain (" n ' t": " ' " → "'", then " n't" → "n't" removes the space
 *     before "n"), so one token can change text after the second-to-last space: that is held back;
 *   - the window's first ids are context whose text was already emitted; every so often the window
 *     is moved up to its last few ids, after checking that the shorter window decodes to the same
 *     pending tail, so each push costs a decode of a few dozen ids, not of the whole stream.
 * Every decode of a longer window must start with the text already emitted; for the decoders we
 * implement this holds (see the tests), and a violation is counted in `mismatches`.
 */

import type { Tokenizer } from "./tokenizer.js";

export interface StreamDecoderOptions {
  /** Passed to `decode`: drop special tokens from the stream. */
  skipSpecialTokens?: boolean;
}

const REPLACEMENT = "\uFFFD";
/** Ids kept as context when the window moves. */
const CONTEXT = 4;
/** The window moves once it holds this many ids. */
const MAX_WINDOW = 32;

export class StreamDecoder {
  /** Ids of the window; its text up to `emitted` has been returned already. */
  private ids: number[] = [];
  private text = "";
  private emitted = 0;
  private readonly holdLastWord: boolean;
  /** How many trailing words may still change: 2 with transformers' clean-up (its rules chain), else 1. */
  private readonly holdWords: number;
  /** Times a longer window did not extend the emitted text (should stay 0). */
  mismatches = 0;

  constructor(
    private readonly tokenizer: Tokenizer,
    private readonly opts: StreamDecoderOptions = {},
  ) {
    this.holdLastWord = tokenizer.cleanUpTokenizationSpaces === true || tokenizer.decodeRevisesLastWord === true;
    this.holdWords = tokenizer.cleanUpTokenizationSpaces === true ? 2 : 1;
  }

  /** Adds one id; returns the newly completed text (often "", never half a character). */
  push(id: number): string {
    this.ids.push(id);
    const text = this.decode(this.ids);
    if (!text.startsWith(this.text.slice(0, this.emitted))) this.mismatches++;
    this.text = text;
    const end = Math.max(this.emitted, this.stableEnd(text));
    const out = text.slice(this.emitted, end);
    this.emitted = end;
    if (this.ids.length >= MAX_WINDOW) this.moveWindow();
    return out;
  }

  /** Ends the stream: returns everything still held back (e.g. a final U+FFFD) and resets. */
  flush(): string {
    const out = this.text.slice(this.emitted);
    this.reset();
    return out;
  }

  /** Forgets the stream without returning anything. */
  reset(): void {
    this.ids = [];
    this.text = "";
    this.emitted = 0;
  }

  private decode(ids: readonly number[]): string {
    return this.tokenizer.decode(ids, { skipSpecialTokens: this.opts.skipSpecialTokens ?? false });
  }

  /** How much of `text` can no longer change, whatever ids come next. */
  private stableEnd(text: string): number {
    let end = text.length;
    while (end > 0 && text[end - 1] === REPLACEMENT) end--;
    if (this.holdLastWord) {
      let space = text.length;
      for (let k = 0; k < this.holdWords && space > 0; k++) space = text.lastIndexOf(" ", space - 1);
      end = Math.min(end, Math.max(0, space));
    }
    return end;
  }

  /**
   * Keep only the last CONTEXT ids, if their text ends with the same pending (unemitted) tail
   * and has some already-emitted text in front of it. Not while the tail holds U+FFFD: the
   * bytes that may complete it could lie before the cut.
   */
  private moveWindow(): void {
    const tail = this.text.slice(this.emitted);
    if (tail.includes(REPLACEMENT)) return;
    const ids = this.ids.slice(-CONTEXT);
    const text = this.decode(ids);
    if (!text.endsWith(tail) || text.length - tail.length < 1) return;
    this.ids = ids;
    this.text = text;
    this.emitted = text.length - tail.length;
  }
}
