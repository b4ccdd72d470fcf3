/** GGUF (llama.cpp's model file format): validated reading, streaming atomic writing. */
export { parseGguf, type GgufFile } from "./file.js";
export { readGguf } from "./read.js";
export { ggufLayout, serializeGguf, type GgufTensorSpec, type GgufLayout } from "./encode.js";
export { writeGguf, type GgufTensorEntry } from "./write.js";
export { GGUF_MAX_ELEMENTS, type GgufTensorInfo } from "./header.js";
export { gguf, type GgufValue, type GgufScalar, type GgufScalarType } from "./values.js";
export { ggufWeightMatrix, ggufHeldDtype, GGUF_COMPACT_DTYPE } from "./weight-matrix.js";
