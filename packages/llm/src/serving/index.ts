/**
 * Serving: the model side of an OpenAI-compatible server. Continuous batching over a paged KV
 * cache with prefix sharing (a radix tree of cached prefixes), a bounded queue, cancellation,
 * stop strings. The HTTP plumbing lives in apps/llama-infer.
 */
export {
  ServingEngine,
  QueueFullError,
  type ServingEngineOptions,
  type ServePrompt,
  type ServeRequest,
  type ServeJob,
  type EngineStats,
  type TokenObserver,
} from "./engine.js";
export type { ServeResult, ServeFinishReason } from "./sequence.js";
export { BlockAllocator } from "./block-allocator.js";
export { PrefixTree, type PrefixMatch } from "./prefix-tree.js";
export { BatchScheduler, type BatchSchedulerOptions } from "./batch-scheduler.js";
export { StopStringMatcher, type StopMatch } from "./stop-strings.js";
export { encodeChat, chatStopIds, stopMarkerTexts } from "./chat-prompt.js";
export { commonPrefixLength } from "./common-prefix.js";
export { MAX_TOP_LOGPROBS, logprobsAt, tokenText, type TokenLogprob, type TokenAlternative } from "./token-logprobs.js";
