/** The compact weight formats, their codecs and reference loops (the `compact` namespace of @mini/tensor). */
export * from "./blocks.js";
export { encodeWeights, decodeRow } from "./encode.js";
export { compactMatmulReference, quantizedMatmulF32 } from "./matmul.reference.js";
export { kquantMatmulF32 } from "./kquant.reference.js";
export { WEIGHT_DTYPES, parseWeightDtype, rowBytes, type WeightDtype } from "./dtype.js";
export { checkKQuantRow, isKQuant, KQuantRowError, SUPER_BLOCK, type KQuantDtype } from "./kquant.js";
