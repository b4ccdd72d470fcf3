/**
 * The tokenizer interface the rest of @mini/llm talks to (generation, chat, training, streaming).
 * Two implementations exist: the HuggingFace `tokenizer.json` pipeline (hf/) and the word-level
 * tokenizer that `buildWordLevelTokenizer` trains, which is the same pipeline fed a generated json.
 */

export interface EncodeOptions {
  /**
   * Let the post-processor add its special tokens (BOS for Llama-style templates). Default true,
   * as in HF `encode`.
   */
  addSpecialTokens?: boolean;
}

export interface DecodeOptions {
  /** Drop special tokens (BOS/EOS/ChatML markers…) from the text. Default false, as in HF. */
  skipSpecialTokens?: boolean;
}

export interface Tokenizer {
  /** Text → ids: added tokens split out, normalizer, pre-tokenizer, model, post-processor. */
  encode(text: string, opts?: EncodeOptions): number[];
  /** Ids → text through the decoder chain. Unknown ids decode as the unk token (as HF does). */
  decode(ids: readonly number[], opts?: DecodeOptions): string;
  idToToken(id: number): string | undefined;
  tokenToId(token: string): number | undefined;
  /** One more than the largest id (model vocab plus added tokens): HF's `len(tokenizer)`. */
  readonly vocabSize: number;
  /** Id of `bosToken`, if the tokenizer defines one that is in the vocabulary. */
  readonly bosId?: number;
  /** Id of `eosToken`, if the tokenizer defines one that is in the vocabulary. */
  readonly eosId?: number;
  /** Ids of every special added token (skipped by `decode(…, { skipSpecialTokens: true })`). */
  readonly specialIds: ReadonlySet<number>;
  /**
   * `add_bos_token` / `add_eos_token` exactly as tokenizer_config.json states them (undefined when
   * absent). Whether `encode` really adds BOS is decided by the post-processor; see hf/load.ts.
   */
  readonly addBosToken?: boolean;
  readonly addEosToken?: boolean;
  readonly bosToken?: string;
  readonly eosToken?: string;
  readonly unkToken?: string;
  readonly padToken?: string;
  /**
   * The jinja chat template: chat_template.jinja's when the directory has one (transformers prefers
   * it), else tokenizer_config.json's (the "default" one if it lists several).
   */
  readonly chatTemplate?: string;
  /**
   * Whether `decode` applies transformers' clean-up (" ," → ","), which lets a later token change
   * earlier text; the stream decoder then holds back the last word.
   */
  readonly cleanUpTokenizationSpaces?: boolean;
  /**
   * Whether a later token can change the text after the last space of what `decode` gave so far:
   * transformers' clean-up, or a decoder that fuses the tokens and then replaces across them (the
   * word-level decoder's " ' " + "s" → "'s"). The stream decoder then holds back the last word.
   */
  readonly decodeRevisesLastWord?: boolean;
}
