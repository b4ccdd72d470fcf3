/**
 * The HuggingFace tokenizer pipeline, assembled from the parts load.ts builds out of
 * tokenizer.json. Encoding, in order:
 *   added tokens split out of the raw text → normalizer on each stretch → added tokens again in
 *   the normalized stretch → pre-tokenizer → model, word by word → post-processor (BOS …).
 * Decoding: ids → token strings (unknown ids → unk, as upstream) → optional drop of special
 * tokens → decoder chain → joined (or, without a decoder, joined with spaces) → optional
 * transformers clean-up of spaces before punctuation.
 */

import type { DecodeOptions, EncodeOptions, Tokenizer } from "../tokenizer.js";
import type { AddedVocabulary } from "./added-tokens.js";
import type { Model } from "./bpe.js";
import type { TokenizerConfig } from "./config.js";
import { cleanUpTokenizationSpaces, type Decoder } from "./decoders.js";
import type { Normalizer } from "./normalizers.js";
import type { PostProcessor } from "./post-processors.js";
import type { PreTokenizer } from "./pre-tokenizers.js";

export interface HfTokenizerParts {
  readonly normalizer: Normalizer | null;
  readonly preTokenizer: PreTokenizer | null;
  readonly model: Model;
  readonly postProcessor: PostProcessor | null;
  readonly decoder: Decoder | null;
  readonly added: AddedVocabulary;
  readonly config: TokenizerConfig;
  /** The clean-up applied when the config turns it on; transformers' unless given (GGUF: llama.cpp's). */
  readonly cleanUp?: (text: string) => string;
}

export class HfTokenizer implements Tokenizer {
  readonly vocabSize: number;
  readonly bosId?: number;
  readonly eosId?: number;
  readonly specialIds: ReadonlySet<number>;
  readonly addBosToken?: boolean;
  readonly addEosToken?: boolean;
  readonly bosToken?: string;
  readonly eosToken?: string;
  readonly unkToken?: string;
  readonly padToken?: string;
  readonly chatTemplate?: string;
  readonly cleanUpTokenizationSpaces: boolean;
  readonly decodeRevisesLastWord: boolean;
  /** Token strings dropped by skipSpecialTokens (upstream filters by string, not id). */
  private readonly specialTokens: ReadonlySet<string>;

  constructor(private readonly parts: HfTokenizerParts) {
    const { model, added, config } = parts;
    this.vocabSize = model.vocab.toToken.length;
    const specials = added.tokens.filter((t) => t.special);
    this.specialIds = new Set(specials.map((t) => t.id));
    this.specialTokens = new Set([...specials.map((t) => t.content), ...config.additionalSpecialTokens]);
    this.cleanUpTokenizationSpaces = config.cleanUpTokenizationSpaces;
    this.decodeRevisesLastWord = config.cleanUpTokenizationSpaces || parts.decoder?.crossesTokens === true;
    this.addBosToken = config.addBosToken;
    this.addEosToken = config.addEosToken;
    this.bosToken = config.bosToken;
    this.eosToken = config.eosToken;
    this.unkToken = config.unkToken ?? model.unkToken;
    this.padToken = config.padToken;
    this.chatTemplate = config.chatTemplate;
    this.bosId = config.bosToken === undefined ? undefined : this.tokenToId(config.bosToken);
    this.eosId = config.eosToken === undefined ? undefined : this.tokenToId(config.eosToken);
  }

  encode(text: string, opts?: EncodeOptions): number[] {
    const ids = this.encodeText(text);
    const post = this.parts.postProcessor;
    return post === null ? ids : post(ids, null, opts?.addSpecialTokens ?? true);
  }

  /** Two texts (question/context style); needs a `pair` template when the post-processor has one. */
  encodePair(a: string, b: string, opts?: EncodeOptions): number[] {
    const [ia, ib] = [this.encodeText(a), this.encodeText(b)];
    const post = this.parts.postProcessor;
    return post === null ? [...ia, ...ib] : post(ia, ib, opts?.addSpecialTokens ?? true);
  }

  /** The token strings `encode` would produce (HF's `tokenize`, with special tokens). */
  tokenize(text: string, opts?: EncodeOptions): string[] {
    return this.encode(text, opts).map((id) => this.idToToken(id) ?? "");
  }

  decode(ids: readonly number[], opts?: DecodeOptions): string {
    const { model, decoder } = this.parts;
    let tokens: string[] = [];
    for (const id of ids) {
      const t = model.vocab.toToken[id] ?? model.unkToken;
      if (t !== undefined) tokens.push(t);
    }
    if (opts?.skipSpecialTokens) tokens = tokens.filter((t) => !this.specialTokens.has(t));
    let text = decoder === null ? tokens.join(" ") : decoder(tokens).join("");
    if (decoder !== null && model.endOfWordSuffix !== undefined) {
      text = text.replaceAll(model.endOfWordSuffix, " ");
      if (opts?.skipSpecialTokens) text = text.trim();
    }
    return this.cleanUpTokenizationSpaces ? (this.parts.cleanUp ?? cleanUpTokenizationSpaces)(text) : text;
  }

  idToToken(id: number): string | undefined {
    return this.parts.model.vocab.toToken[id];
  }

  tokenToId(token: string): number | undefined {
    return this.parts.model.vocab.toId.get(token);
  }

  /** The unknown-token id, if the model has one. */
  get unkId(): number | undefined {
    return this.parts.model.unkId;
  }

  /** Everything before the post-processor. */
  private encodeText(text: string): number[] {
    const { normalizer, preTokenizer, model, added } = this.parts;
    const out: number[] = [];
    const sections = added.splitRaw(text);
    sections.forEach((section, si) => {
      if (section.length === 0) return;
      const token = added.tokenOf(section);
      if (token !== undefined) {
        out.push(token.id);
        return;
      }
      const normalized = normalizer === null ? section : normalizer(section);
      if (normalized.length === 0) return;
      added.splitNormalized(normalized).forEach((sub, j) => {
        if (sub.length === 0) return;
        const t = added.tokenOf(sub);
        if (t !== undefined) {
          out.push(t.id);
          return;
        }
        const words = preTokenizer === null ? [sub] : preTokenizer([{ text: sub, first: si === 0 && j === 0 }]).map((p) => p.text);
        for (const w of words) for (const id of model.encodeWord(w)) out.push(id);
      });
    });
    return out;
  }
}
