/**
 * @mini/tensor: float32 tensors, kernels (WASM SIMD with TypeScript fallbacks) and safetensors I/O.
 *
 * Shape of the public API:
 * - top level: Tensor, Rng, errors, shape helpers, the Tensor-level ops (add, matmul, softmax, …),
 *   safetensors and half-float I/O, and the WASM heap;
 * - `kernels`: the kernel-level functions over Float32Array + dims (same names as several ops, hence
 *   the namespace): `kernels.matmulTransB(x, w, M, K, N, out)`, plus their `...Reference` loops.
 */
export { Tensor } from "./tensor.js";
export { createRng, rngFromState, type Rng, type RngState } from "./random.js";
export { ShapeError, SafetensorsError, GgufError, fmtShape } from "./errors.js";
export { numel, strides, checkShape, broadcastShapes, normAxis, sameShape } from "./shape.js";
export { heap, WasmHeap, HeapGrowthError } from "./wasm/heap.js";
// Whether the WASM SIMD kernels are in use (MINI_NO_WASM=1 or setWasmEnabled(false) selects the JS paths),
// and a way to give back the scratch region that unpinned operands are copied into.
export { wasmAvailable, wasmUnavailableReason, wasmEnabled, setWasmEnabled } from "./wasm/instance.js";
export { releaseScratch, reserveScratch, scratchSize } from "./wasm/scratch.js";
export { matmulScratchFloats } from "./wasm/matmul.js";
export { matmulGroupScratchFloats } from "./wasm/matmul-group.js";
export { PackedTransB } from "./wasm/packed-transb.js";
export { linearScratchFloats } from "./compact/matmul.js";
// The kernel pool (worker threads on the shared heap) and the relaxed-SIMD detection.
export { setThreads, getThreads, defaultThreads, threadCount, parseThreads, poolSupported, startThreadPool, prepareThreadPool, poolRounds, poolCounters } from "./wasm/pool.js";
export { profileRounds, type RoundProfiler } from "./wasm/pool-profile.js";
export { fusedGemm, relaxedDot, relaxedDotSupported, relaxedGemmFuses, relaxedSimd, relaxedSimdSupported, setRelaxedDot } from "./wasm/instance.js";
export { measureReadBandwidth } from "./wasm/bandwidth.js";
// Weights kept compact (bf16, f16, q8_0, q4_0, q4_k, q6_k): the matrix type, and the block formats for readers of other files (GGUF).
export { WeightMatrix } from "./compact/matrix.js";
export { WEIGHT_DTYPES, parseWeightDtype, rowBytes, type WeightDtype } from "./compact/dtype.js";
export { KQuantRowError, isKQuant } from "./compact/kquant.js";
export * as compact from "./compact/index.js";

export * from "./ops/index.js";
export * as kernels from "./kernels/index.js";
export type { CausalMask } from "./kernels/softmax.js";
export type { EpsPlacement } from "./ops/nn.js";
export {
  RopeTable,
  defaultRopeFrequencies,
  linearRopeFrequencies,
  llama3RopeFrequencies,
  llama3RopeFactors,
  factorRopeFrequencies,
  type RopeStyle,
  type RopeFrequencyFn,
  type Llama3RopeScaling,
} from "./kernels/rope.js";
export { yarnRopeFrequencies, yarnAttentionFactor, yarnCorrectionRange, yarnMscale, type YarnRopeScaling } from "./kernels/rope-yarn.js";
export type { BinaryOp } from "./kernels/broadcast.js";

export { isTensorSource, tensorRecordSource, type TensorSource } from "./io/tensor-source.js";
export {
  readSafetensors,
  parseSafetensors,
  serializeSafetensors,
  writeSafetensors,
  type SafetensorsEntry,
  type SafetensorsInput,
  type SafetensorsWriteOptions,
  type WritableDtype,
  type SafetensorsFile,
  type SafetensorsReadOptions,
  type SafetensorsDtype,
  type ReadableDtype,
  type TensorInfo,
} from "./io/safetensors.js";
export { isProcessAlive, removeStaleTemps, writeFileAtomic, type WriteBytes } from "./io/atomic-write.js";
export {
  f16ToF32,
  f32ToF16,
  bf16ToF32,
  f32ToBf16,
  f16BitsToF32Array,
  bf16BitsToF32Array,
  f32ToF16Array,
  f32ToBf16Array,
} from "./io/half.js";
export * from "./io/gguf/index.js";
// ggml's tensor types and their reference encoders/decoders (block layouts in quant/*.ts).
export {
  dequantize,
  quantize,
  GGML_TYPES,
  GGML_TYPE_ID,
  ggmlTypeInfo,
  ggmlBytes,
  type GgmlType,
  type GgmlCompactType,
  type GgmlDecodedType,
  type GgmlTypeInfo,
} from "./quant/codec.js";
// For the browser adapters of the packages above this one (their fs.browser.ts): one home for the
// stand-ins of Node's file functions and paths.
export { noFileSystem, posixJoin, posixDirname, posixBasename } from "./platform/no-file-system.js";
