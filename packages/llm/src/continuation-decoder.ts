/**
 * Streams the text of generated ids *as it reads after the prompt*: the concatenation of the
 * pieces is `decode(prompt + ids)` minus `decode(prompt)`. Decoding the new ids alone is not the
 * same: Llama's decoder strips one leading space from the whole text, so the continuation's first
 * word would lose its space ("little girl" → "littlegirl").
 *
 * The StreamDecoder is primed with the prompt, and the prompt's text is skipped from its output
 * (some of it may come out only with the first new ids: the decoder holds back text that can
 * still change, e.g. an unfinished UTF-8 sequence).
 */
import { StreamDecoder } from "./tokenizers/stream-decoder.js";
import type { Tokenizer } from "./tokenizers/tokenizer.js";

export class ContinuationDecoder {
  private readonly decoder: StreamDecoder;
  /** Characters of prompt text still to skip from the decoder's output. */
  private skip: number;

  constructor(tokenizer: Tokenizer, promptIds: readonly number[], opts: { skipSpecialTokens?: boolean } = {}) {
    const skipSpecialTokens = opts.skipSpecialTokens ?? true;
    this.decoder = new StreamDecoder(tokenizer, { skipSpecialTokens });
    this.skip = tokenizer.decode(promptIds, { skipSpecialTokens }).length;
    for (const id of promptIds) this.skip -= this.decoder.push(id).length;
  }

  /** The text completed by `id` (often "", never half a character). */
  push(id: number): string {
    return this.cut(this.decoder.push(id));
  }

  /** Whatever is still held back. */
  flush(): string {
    return this.cut(this.decoder.flush());
  }

  private cut(piece: string): string {
    if (this.skip <= 0) return piece;
    const n = Math.min(this.skip, piece.length);
    this.skip -= n;
    return piece.slice(n);
  }
}
