/**
 * Kernel level: plain functions over Float32Array + dims, `out` last and optional (see
 * notes in each file). Exported from the package as the `kernels` namespace, because several
 * names (softmax, matmul, add, …) are also Tensor-level ops at the top level:
 *
 *   kernels.matmulTransB(x, w, M, K, N, out);   // `kernels` is the package's namespace export
 *
 * `...Reference` functions are the readable loops the fast kernels are tested against.
 */
export * from "./matmul.js";
export * from "./elementwise.js";
export * from "./elementwise.reference.js";
export * from "./activations.js";
export * from "./activations.reference.js";
export * from "./reduce.js";
export * from "./softmax.js";
export * from "./softmax.reference.js";
export * from "./attention.js";
export * from "./attention.reference.js";
export * from "./norm.js";
export * from "./norm.reference.js";
export * from "./rope.js";
export * from "./rope-yarn.js";
export * from "./rope.reference.js";
export * from "./gather.js";
export * from "./layout.js";
export * from "./topk.js";
export * from "./optim.js";
export * from "./optim.reference.js";
