/**
 * @mini/autograd: tape-based reverse-mode automatic differentiation over @mini/tensor.
 *
 * Variables wrap Tensors; each differentiable op on a Variable that requires grad records a
 * backward closure on its output (tape.ts); `loss.backward()` runs the closures reachable from
 * the loss newest-first, accumulating into leaf grads, then frees them.
 */
export { Variable, param, constant, zeroGrad, type VariableOptions } from "./variable.js";
export { backward, type BackwardOptions } from "./tape.js";
// For custom differentiable ops (nn/llm fused ops): compute the value, then record its backward.
export { record, gradOf, needsGrad, type BackwardFn } from "./tape.js";
export { noGrad, isGradEnabled } from "./no-grad.js";
export { gradCheck, type GradCheckOptions, type GradCheckResult, type GradCheckWorst } from "./gradcheck.js";

export { add, sub, mul, div, neg, scale, type Operand } from "./ops/arithmetic.js";
export { matmul, matmulTransB, matmulTransA } from "./ops/matmul.js";
export { linear } from "./ops/linear.js";
export { exp, log, sqrt, tanh, sigmoid, relu, gelu, silu, swiglu } from "./ops/activations.js";
export { sum, mean, max, type ReduceOptions } from "./ops/reduce.js";
export { softmax, logSoftmax, type SoftmaxOptions, type CausalOptions } from "./ops/softmax.js";
export { addMask, keyPaddingMask } from "./ops/mask.js";
export { layerNorm, rmsNorm, type LayerNormOptions } from "./ops/norm.js";
export { rope, type RopeOptions } from "./ops/rope.js";
export { embedding } from "./ops/embedding.js";
export { reshape, transpose, slice, concat } from "./ops/layout.js";
export { crossEntropy, type CrossEntropyOptions } from "./ops/loss.js";
export { dropout } from "./ops/dropout.js";
