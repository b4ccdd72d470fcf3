/**
 * @mini/llm: tokenizers, Llama/Mistral models, KV cache, sampling, generation, chat and training.
 * Each area has its own index; this file is the package's public API.
 */
export type { CausalLM, CausalLMConfig, ForwardOptions, KVCache, BatchedCausalLM, BatchEntry, PagedKV } from "./models/causal-lm.js";
export * from "./tokenizers/index.js";
export * from "./models/llama/index.js";
export * from "./loaders/index.js";
export * from "./sampling/index.js";
export * from "./generate.js";
export * from "./chat/index.js";
export * from "./synth.js";
export * from "./models/tiny-llama/index.js";
export * from "./models/rustgpt/index.js";
export * from "./serving/index.js";
export * from "./training/index.js";
