/**
 * Serving: the model side of an OpenAI-compatible server. A pool of KV caches keyed by token
 * prefix (reuse across turns, rollback on edits), a fair token-by-token scheduler, a bounded
 * queue, cancellation, stop strings. The HTTP plumbing lives in apps/llama-infer.
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
export type { ServeResult, ServeFinishReason } from "./generation-task.js";
export { PrefixCachePool, commonPrefixLength, type CacheLease, type PoolStats } from "./prefix-cache-pool.js";
export { RoundRobinScheduler, type ScheduledTask } from "./scheduler.js";
export { StopStringMatcher, type StopMatch } from "./stop-strings.js";
export { encodeChat, chatStopIds, stopMarkerTexts } from "./chat-prompt.js";
