/**
 * @mini/nn: layers, losses, optimizers, schedules and checkpoints on @mini/autograd.
 *
 * - parameters: `ParamSource` (init or load, path-scoped), `Parameter`, `Module`, `init.*`
 * - layers: Linear, Embedding, PositionalEmbedding, LayerNorm, RMSNorm, Dropout, FeedForward,
 *   CausalSelfAttention, TransformerBlock, Sequential, activations (ReLU, GELU, SiLU, Tanh,
 *   Sigmoid); every layer's forward takes a Variable or a plain Tensor; loss: crossEntropyLoss
 * - optim: optimizers take any trainable Variable (a Parameter, or autograd's param())
 * - optim: SGD, Adam, AdamW, clipGradNorm, schedules (constantLr, warmupCosine, warmupLinear)
 * - checkpoints: saveCheckpoint, loadCheckpoint (safetensors + checkpoint.json, atomic)
 */
export { Parameter } from "./parameter.js";
export { ShapeRecorder, type TensorScope } from "./tensor-scope.js";
export { ParamSource, asTensorSource, type ParamSourceOptions, type FromTensorsOptions, type Tensors } from "./param-source.js";
export { Module } from "./module.js";
export { asVariable, type Input } from "./input.js";
export * as init from "./init.js";
export type { Init } from "./init.js";
export { StateDictError, ParamError, CheckpointError, ConfigError } from "./errors.js";

export { Optimizer, type OptimizerState } from "./optim/optimizer.js";
export { SGD, type SgdOptions } from "./optim/sgd.js";
export { Adam, AdamW, type AdamOptions } from "./optim/adam.js";
export { clipGradNorm, gradNorm } from "./optim/clip.js";
export { constantLr, warmupCosine, warmupLinear, type LrSchedule, type WarmupDecayOptions } from "./optim/schedule.js";

export {
  saveCheckpoint,
  loadCheckpoint,
  CHECKPOINT_FORMAT,
  CHECKPOINT_VERSION,
  type CheckpointMeta,
  type SaveCheckpointOptions,
  type LoadCheckpointOptions,
  type LoadedCheckpoint,
} from "./checkpoint.js";

export { Linear, type LinearOptions } from "./layers/linear.js";
export { Embedding, PositionalEmbedding } from "./layers/embedding.js";
export { LayerNorm, type LayerNormOptions } from "./layers/layer-norm.js";
export { RMSNorm } from "./layers/rms-norm.js";
export { Dropout } from "./layers/dropout.js";
export { FeedForward, type FeedForwardConfig, type FeedForwardKind } from "./layers/feed-forward.js";
export { CausalSelfAttention, type AttentionConfig, type AttentionInputs } from "./layers/attention.js";
export { TransformerBlock, type TransformerBlockConfig, type NormConfig } from "./layers/transformer-block.js";
export { Sequential } from "./layers/sequential.js";
export { ReLU, GELU, SiLU, Tanh, Sigmoid } from "./layers/activations.js";
export { crossEntropyLoss, type CrossEntropyLossOptions } from "./loss.js";
