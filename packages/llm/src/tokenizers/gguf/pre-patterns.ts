/**
 * The pre-tokenizer regexes of the byte-level (`gpt2`) GGUF tokenizers, by `tokenizer.ggml.pre`
 * (llama.cpp src/llama-vocab.cpp), written in the Oniguruma dialect of tokenizer.json (the HF
 * loader translates them). One home: the reader picks by name, the writer names a tokenizer.json
 * Split regex by finding it here.
 */
export const PRE_PATTERNS: Readonly<Record<string, string>> = {
  "llama-bpe": "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
  qwen2: "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
  "gpt-2": "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
};

/** Names llama.cpp also accepts for the same pattern. */
export const PRE_ALIASES: Readonly<Record<string, string>> = { llama3: "llama-bpe" };

/** llama.cpp takes a whole word from the vocabulary before merging for these (ignore_merges). */
export const IGNORES_MERGES: ReadonlySet<string> = new Set(["llama-bpe"]);
