/**
 * Messages between the pages and their workers (structured-cloned; Files clone fine). No imports:
 * the page side is type-checked with the DOM library and without the packages' sources.
 */

/** @mini/llm's SamplingOptions (the fields the pages set) and a length limit. */
export interface Sampling {
  temperature?: number;
  topK?: number;
  topP?: number;
  seed?: number;
  maxNewTokens: number;
}

/** To the Run worker. */
export type RunRequest =
  | { type: "load-url"; base: string; name: string; threads: number | null }
  | { type: "load-files"; files: Record<string, Blob>; name: string; threads: number | null }
  | { type: "generate"; prompt: string; sampling: Sampling }
  | { type: "chat"; message: string; sampling: Sampling }
  | { type: "reset" }
  | { type: "stop" };

/** Timing of one generation, in the units the page shows. */
export interface GenStats {
  promptTokens: number;
  newTokens: number;
  firstTokenMs: number;
  /** Decode speed after the first token (tok/s). */
  decodeTokPerSec: number;
  totalMs: number;
  /** Kernel calls of this generation that ran split across the kernel pool's threads. */
  splitCalls: number;
}

/** From the Run worker, and from the Train worker's chat. */
export type RunEvent =
  | { type: "loaded"; name: string; parameters: number; vocab: number; context: number; loadMs: number; threads: number }
  | { type: "piece"; text: string }
  | { type: "done"; ids: number[]; text: string; stats: GenStats }
  | { type: "error"; message: string };

export interface TrainSettings {
  /** rustgpt-ts's presets: its default Llama-shaped model, or RustGPT's own (batch 1, file order, constant lr). */
  preset: "tiny-llama" | "rustgpt";
  pretrainText: string;
  chatText: string;
  pretrainName: string;
  chatName: string;
  pretrainEpochs: number;
  chatEpochs: number;
  pretrainLr: number;
  chatLr: number;
  batchSize: number;
  embedDim: number;
  hiddenDim: number;
  layers: number;
  heads: number;
  maxSeqLen: number;
  seed: number;
  /** The kernel pool's threads (null: every core, the pool's default). */
  threads: number | null;
}

/** To the Train worker. */
export type TrainRequest =
  | { type: "train"; settings: TrainSettings }
  | { type: "stop" }
  | { type: "chat"; message: string; sampling: Sampling }
  | { type: "download" };

export type TrainEvent =
  | { type: "vocabulary"; text: string; parameters: number; facts: number; dialogues: number }
  | { type: "phase"; phase: string; epochs: number; stepsPerEpoch: number; index: number }
  | { type: "step"; phase: string; epoch: number; step: number; steps: number; loss: number; tokensPerSecond: number; elapsedMs: number; fraction: number }
  | { type: "epoch"; phase: string; epoch: number; meanLoss: number; seconds: number }
  | { type: "trained"; status: "completed" | "interrupted" | "diverged"; message: string; seconds: number }
  | { type: "exact-match"; matched: number; total: number; misses: { question: string; expected: string; got: string }[]; downloadable: boolean }
  | { type: "zip"; blob: Blob; name: string }
  | RunEvent;
