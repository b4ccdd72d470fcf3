/** The trainable Llama-shaped model (default model of rustgpt-ts), saved as a HuggingFace model directory. */
export { tinyLlamaConfig, toHfConfig, fromHfConfig, headDimOf, type TinyLlamaConfig, type TinyLlamaConfigInput, type SpecialTokenIds } from "./config.js";
export { TinyLlama } from "./model.js";
export { saveAsHfModelDir, hfModelDirFiles, loadTinyLlamaDir, USER_ASSISTANT_CHAT_TEMPLATE, type SaveHfOptions, type LoadedTinyLlamaDir } from "./hf-dir.js";
