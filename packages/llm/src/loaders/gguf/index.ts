/** GGUF model files: loading into the inference Llama, and writing any Llama as GGUF. */
export { loadGgufModel, openGguf, type LoadedGguf } from "./load.js";
export { writeModelGguf, GGUF_WRITE_TYPES, type GgufWriteType, type WriteModelGgufOptions, type WriteModelGgufResult } from "./write.js";
export { writeModelDirGguf } from "./model-dir-gguf.js";
export { configFromGguf, ggufHyperparams } from "./hyperparams.js";
export { ggufTensorSource } from "./source.js";
export { hfName, ggufName, permuteRows } from "./names.js";
