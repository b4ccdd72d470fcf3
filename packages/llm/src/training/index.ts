/**
 * The training side of @mini/llm: datasets (JSON array / JSONL / text lines → tokenized examples
 * with loss masks), mini-batches, one optimisation step (trainStep, for your own loop), the trainer (phases, clipping, schedules, checkpoints, resume,
 * divergence stop), evaluation (loss, perplexity, exact match) and the TrainableLM contract.
 */
export {
  readTextDataset,
  parseTextDataset,
  tokenizeDataset,
  splitDialogue,
  renderDialoguePrompt,
  formatOf,
  DatasetError,
  ASSISTANT_MARKER,
  EOS_TEXT,
  type TextDataset,
  type TextEntry,
  type DatasetFormat,
  type DialogueParts,
  type Example,
  type TokenizedDataset,
  type TokenizeOptions,
} from "./dataset.js";
export { makeBatch, chunkIndices, type Batch, type BatchOptions } from "./batch.js";
export { perplexity, WeightedMean, tokensPerSecond, NonFiniteError, type ExactMatchResult } from "./metrics.js";
export { evaluateLoss, exactMatch, IGNORE_INDEX, type EvaluateLossOptions, type LossReport, type ExactMatchOptions } from "./evaluate.js";
export { trainStep, type TrainStepOptions, type TrainStepResult } from "./train-step.js";
export {
  train,
  epochOrder,
  epochBatches,
  type PhaseSpec,
  type StepReport,
  type EpochReport,
  type PhaseResult,
  type TrainResult,
  type TrainOptions,
} from "./trainer.js";
export {
  saveTrainingCheckpoint,
  readTrainingCheckpoint,
  restoreTrainingCheckpoint,
  checkSameModel,
  ResumeError,
  type TrainingState,
  type PhaseProgressState,
} from "./progress-state.js";
export { TokenHistoryCache, recomputeForward, type TrainableLM } from "./trainable-lm.js";
export { TrainableModel, type RunInputs } from "./trainable-model.js";
export { yieldToEvents } from "./yield-to-events.js";
