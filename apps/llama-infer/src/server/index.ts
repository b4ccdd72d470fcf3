/** The HTTP side of `llama-infer serve` (the model side is @mini/llm's ServingEngine). */
export { startServer, DEFAULT_MAX_BODY_BYTES, type ServerOptions, type RunningServer } from "./server.js";
export { ApiError } from "./api-error.js";
export { WEB_DIR } from "./static-files.js";
