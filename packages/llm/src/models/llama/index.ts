/** The inference Llama/Mistral: config parsing, weights, the model and its KV cache. */
export { parseLlamaConfig, parseEosIds, type LlamaConfig, type ModelType } from "./config.js";
export { layerWindow, type FamilyFeatures, type MoeConfig } from "./family-features.js";
export { parseRopeScaling, ropeAttentionFactor, ropeFrequencies, type Llama3RopeScaling, type LinearRopeScaling, type RopeFactorsScaling, type RopeScaling, type YarnRopeScaling } from "./rope-scaling.js";
export { routeTokens } from "./moe-routing.js";
export {
  loadLlamaWeights,
  llamaTensors,
  llamaParamSource,
  expectedTensors,
  disposeLlamaWeights,
  layerTensors,
  type LlamaWeights,
  type LlamaWeightsOf,
  type LayerWeights,
  type LayerWeightsOf,
} from "./weights.js";
export { LlamaModel, ContextLengthError, type LlamaModelOptions } from "./model.js";
export { LlamaKVCache, type KVCacheShape } from "./kv-cache.js";
export { LlamaPagedKV } from "./paged-kv.js";
export { BatchedLlama } from "./batched-llama.js";
export { llamaForwardReference, type WeightLookup, type ReferenceOptions } from "./model.reference.js";
