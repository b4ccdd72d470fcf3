/** Model directory loading (config.json + safetensors + generation_config.json) and writing helpers. */
export { ModelLoadError } from "./errors.js";
export { loadModelDir, readModelConfig, type LoadedModelDir, type LoadModelDirOptions } from "./model-dir.js";
export { openSafetensorsSource, SINGLE_FILE, INDEX_FILE } from "./safetensors-source.js";
export { loadModelFromFiles, readModelFiles, type ModelFileInput, type LoadModelFilesOptions, type LoadedModelFiles } from "./model-files.js";
export { parseModelMeta, type ModelMeta } from "./model-meta.js";
export { openWeights, type WeightFiles } from "./safetensors-source.js";
export * from "./gguf/index.js";
