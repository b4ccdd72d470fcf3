/**
 * @mini/llm: what a user needs to load a model, generate and chat. The rest is grouped by subpath
 * (the map is in the README):
 *
 *   @mini/llm/models      model classes, configs, KV caches, directory loaders and writers
 *   @mini/llm/tokenizers  tokenizer pipeline, word-level builder, loaders
 *   @mini/llm/sampling    sampler, logits processors, options
 *   @mini/llm/chat        chat templates and sessions
 *   @mini/llm/serving     batch engine: paged KV cache, prefix tree, scheduler (the model side of a server)
 *   @mini/llm/training    datasets, batches, trainStep/train, evaluation, checkpoints
 *   @mini/llm/testing     float64 references and synthetic models for tests and benches
 */
export { loadModel, type LoadedModel, type LoadModelOptions } from "./load-model.js";
export type { CausalLM, CausalLMConfig, ForwardOptions, KVCache } from "./models/causal-lm.js";
export type { Tokenizer, EncodeOptions, DecodeOptions } from "./tokenizers/tokenizer.js";
export { loadTokenizer, tokenizerFromJson } from "./tokenizers/hf/load.js";
export { StreamDecoder, type StreamDecoderOptions } from "./tokenizers/stream-decoder.js";
export {
  generate,
  generateAll,
  generateAsync,
  checkMaxNewTokens,
  ContinuationDecoder,
  PromptTooLongError,
  type GenerateOptions,
  type GenerationResult,
  type FinishReason,
} from "./generate.js";
export { Sampler } from "./sampling/sampler.js";
export { OptionError, SamplingOptionError, resolveSamplingOptions, type SamplingOptions } from "./sampling/options.js";
export {
  ChatSession,
  ChatOverflowError,
  ChatTemplate,
  ChatTemplateError,
  type ChatMessage,
  type ChatSessionOptions,
  type SendOptions,
  type TurnResult,
} from "./chat/index.js";
export { ModelLoadError } from "./loaders/errors.js";
export { TokenizerLoadError } from "./tokenizers/hf/errors.js";
export { ContextLengthError } from "./models/llama/model.js";
export { loadModelFromFiles, type ModelFileInput, type LoadModelFilesOptions, type LoadedModelFiles } from "./loaders/model-files.js";
