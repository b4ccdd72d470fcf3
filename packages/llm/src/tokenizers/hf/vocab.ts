/**
 * The `vocab` object every model carries ({ token: id }) read into the two directions we need,
 * plus the word cache the models share. Kept apart from bpe.ts / word-level.ts so both models
 * read the vocab, and report a bad one, the same way.
 */

import { asObject, badField, type Origin } from "./errors.js";

export interface Vocab {
  readonly toId: Map<string, number>;
  /** id → token; holes for ids no token has. */
  readonly toToken: string[];
}

export function readVocab(origin: Origin, raw: unknown): Vocab {
  const obj = asObject(origin, "vocab", raw);
  const toId = new Map<string, number>();
  for (const token in obj) {
    const id = obj[token];
    if (typeof id !== "number" || !Number.isInteger(id) || id < 0) throw badField(origin, `vocab[${JSON.stringify(token)}]`, "a non-negative integer id", id);
    toId.set(token, id);
  }
  // Filled in a second pass into a preallocated array: writing ids in file order into a growing
  // array can push V8 into slow dictionary elements.
  let max = -1;
  for (const id of toId.values()) if (id > max) max = id;
  const toToken = new Array<string>(max + 1);
  for (const [token, id] of toId) toToken[id] = token;
  return { toId, toToken };
}

/**
 * Word → ids memo. Real text repeats words constantly, so this pays for itself; it is cleared
 * when full rather than kept as an LRU, which is simpler and costs one re-fill.
 */
export class WordCache {
  private readonly map = new Map<string, number[]>();
  constructor(
    private readonly capacity = 10_000,
    /** Longer words are not worth keeping (the story tokenizer sees whole paragraphs as one word). */
    private readonly maxWordLength = 256,
  ) {}

  get(word: string): number[] | undefined {
    return this.map.get(word);
  }

  set(word: string, ids: number[]): void {
    if (word.length > this.maxWordLength) return;
    if (this.map.size >= this.capacity) this.map.clear();
    this.map.set(word, ids);
  }
}
