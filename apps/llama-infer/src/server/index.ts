/** The HTTP side of `llama-infer serve` (the model side is @mini/llm's ServingEngine). */
export { startServer, DEFAULT_MAX_BODY_BYTES, type ServerOptions, type RunningServer } from "./server.js";
export { ApiError } from "./api-error.js";
export { chatPageMissing, WEB_DIR } from "./static-files.js";
export { ServerMetrics } from "./server-metrics.js";
export { DEFAULT_LIMITS, type RequestLimits } from "./request-limits.js";
export { isLoopbackHost, checkBind } from "./access.js";
