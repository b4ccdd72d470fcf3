/** Tensor-level ops: thin, shape-checked wrappers over the kernels; each returns a new JS-heap tensor. */
export { add, sub, mul, div, exp, log, sqrt, neg } from "./arithmetic.js";
export { matmul, matmulTransB, matmulTransA } from "./linalg.js";
export { sum, mean, max, argmax } from "./reduce.js";
export { relu, gelu, silu, sigmoid, tanh, swiglu, softmax, logSoftmax, layerNorm, rmsNorm, rope, gather, embedding } from "./nn.js";
export { transpose, concat, slice, topK } from "./layout.js";
