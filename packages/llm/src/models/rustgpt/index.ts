/** RustGPT's own architecture (`--preset rustgpt`), trainable through @mini/nn. */
export { rustGptConfig, rustGptParameterCount, RUSTGPT_DEFAULTS, type RustGptConfig } from "./config.js";
export { RustGptModel } from "./model.js";
