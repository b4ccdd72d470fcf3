/** The inference Llama/Mistral: config parsing, weights, the model and its KV cache. */
export { parseLlamaConfig, parseEosIds, type LlamaConfig } from "./config.js";
export {
  loadLlamaWeights,
  expectedTensors,
  tensorRecordSource,
  disposeLlamaWeights,
  type LlamaWeights,
  type LayerWeights,
  type TensorSource,
} from "./weights.js";
export { LlamaModel, ContextLengthError, type LlamaModelOptions } from "./model.js";
export { LlamaKVCache, type KVCacheShape } from "./kv-cache.js";
export { LlamaPagedKV } from "./paged-kv.js";
export { BatchedLlama } from "./batched-llama.js";
export { llamaForwardReference } from "./model.reference.js";
