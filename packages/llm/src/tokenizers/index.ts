// Public API of the tokenizers: the interface, the HF tokenizer.json pipeline, the RustGPT-style
// word-level builder and the streaming decoder.
export type { DecodeOptions, EncodeOptions, Tokenizer } from "./tokenizer.js";
export { HfTokenizer } from "./hf/hf-tokenizer.js";
export { loadTokenizer, loadTokenizerSync, tokenizerFromJson, type FromJsonOptions, type LoadOptions } from "./hf/load.js";
export { TokenizerLoadError } from "./hf/errors.js";
export {
  buildWordLevelTokenizer,
  splitWords,
  rustGptVocabulary,
  WORD_LEVEL_DECODER,
  WORD_LEVEL_SPECIALS,
  type WordLevelBuild,
  type WordLevelBuildOptions,
} from "./word-level-builder.js";
export { buildByteLevelBpeTokenizer, BYTE_LEVEL_BPE_SPECIALS, type ByteLevelBpeBuild } from "./byte-level-bpe-builder.js";
export { StreamDecoder, type StreamDecoderOptions } from "./stream-decoder.js";
export { tokenizerFromGguf, ggufTokenizerMetadata, SpmTokenizer, TOKEN_TYPE, type GgufVocab } from "./gguf/index.js";
