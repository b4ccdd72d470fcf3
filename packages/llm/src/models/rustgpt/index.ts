/** RustGPT's own architecture (`--preset rustgpt`), trainable through @mini/nn, and its saved form. */
export { rustGptConfig, rustGptParameterCount, RUSTGPT_DEFAULTS, type RustGptConfig } from "./config.js";
export { RustGptModel } from "./model.js";
export {
  saveRustGptDir,
  loadRustGptDir,
  isRustGptDir,
  RUSTGPT_FORMAT,
  RUSTGPT_CONFIG_FILE,
  type SaveRustGptOptions,
  type LoadedRustGptDir,
} from "./model-dir.js";
