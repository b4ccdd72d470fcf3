/**
 * @mini/llm/models: the model families (inference Llama; trainable TinyLlama and RustGPT), their
 * configs and KV caches, and the directory loaders and writers. loadModel (the root) is the usual way in.
 */
export type { CausalLM, CausalLMConfig, ForwardOptions, KVCache, BatchedCausalLM, BatchEntry, PagedKV } from "./causal-lm.js";
export {
  parseLlamaConfig,
  parseEosIds,
  layerWindow,
  parseRopeScaling,
  ropeAttentionFactor,
  ropeFrequencies,
  routeTokens,
  layerTensors,
  loadLlamaWeights,
  expectedTensors,
  disposeLlamaWeights,
  LlamaModel,
  ContextLengthError,
  LlamaKVCache,
  LlamaPagedKV,
  BatchedLlama,
  type LlamaConfig,
  type ModelType,
  type FamilyFeatures,
  type MoeConfig,
  type RopeScaling,
  type Llama3RopeScaling,
  type LinearRopeScaling,
  type YarnRopeScaling,
  type RopeFactorsScaling,
  type LlamaWeights,
  type LayerWeights,
  type LlamaModelOptions,
  type KVCacheShape,
} from "./llama/index.js";
export * from "./tiny-llama/index.js";
export * from "./rustgpt/index.js";
export * from "../loaders/index.js";
export { TrainableModel, type RunInputs } from "../training/trainable-model.js";
export { trainedModelFiles, writeModelDir, readTrainedModelDir, loadTrainedDir, type TrainedModelParts, type ReadTrainedModel, type LoadedTrainedDir } from "./trained-model-dir.js";
