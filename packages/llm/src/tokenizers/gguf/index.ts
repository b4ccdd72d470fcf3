/** Tokenizers stored in GGUF metadata: reading (llama / gpt2 models) and writing from tokenizer.json. */
export { tokenizerFromGguf } from "./from-gguf.js";
export { ggufTokenizerMetadata } from "./to-gguf.js";
export { SpmTokenizer, type GgufVocab } from "./spm.js";
export { TOKEN_TYPE } from "./token-types.js";
