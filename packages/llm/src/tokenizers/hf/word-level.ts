/**
 * The WordLevel model: each pre-tokenized word is looked up whole; a word not in the vocabulary
 * becomes the unk token. The Rust crate refuses to encode an unknown word without an unk token,
 * so loading one without `unk_token` in its vocab is reported up front.
 */

import type { Model } from "./bpe.js";
import { badField, optString, type JsonObject, type Origin } from "./errors.js";
import { readVocab, type Vocab } from "./vocab.js";

export class WordLevelModel implements Model {
  readonly vocab: Vocab;
  readonly unkId: number;
  readonly unkToken: string;
  readonly endOfWordSuffix = undefined;

  constructor(origin: Origin, cfg: JsonObject, addedTokens: ReadonlyMap<string, number>) {
    this.vocab = readVocab(origin, cfg["vocab"]);
    // Added tokens are vocabulary too and win over the model's own entry (as in the Rust crate).
    for (const [content, id] of addedTokens) {
      this.vocab.toId.set(content, id);
      this.vocab.toToken[id] = content;
    }
    this.unkToken = optString(origin, cfg, "unk_token") ?? "<unk>";
    const unkId = this.vocab.toId.get(this.unkToken);
    if (unkId === undefined) throw badField(origin, "unk_token", "a token of the vocab", this.unkToken);
    this.unkId = unkId;
  }

  encodeWord(word: string): number[] {
    return [this.vocab.toId.get(word) ?? this.unkId];
  }
}
