/**
 * RustGPT's pipeline as rustgpt-ts's train-run.ts wires it, without a file system: vocabulary from
 * both datasets, the preset's model, pre-training then instruction tuning. Shared by the Train
 * page's worker and the Node side of bench/browser-vs-node.ts (same code, both platforms).
 */
import { ParamSource } from "@mini/nn";
import { tokenizerFromJson, type Tokenizer } from "@mini/llm";
import { rustGptConfig, RustGptModel, tinyLlamaConfig, TinyLlama } from "@mini/llm/models";
import { buildWordLevelTokenizer } from "@mini/llm/tokenizers";
import { parseTextDataset, tokenizeDataset, train, type PhaseSpec, type TokenizedDataset, type TrainOptions, type TrainResult } from "@mini/llm/training";
import type { TrainSettings } from "./protocol.js";

export interface Pipeline {
  model: TinyLlama | RustGptModel;
  tokenizer: Tokenizer;
  tokenizerJson: Record<string, unknown>;
  tokenizerConfig: Record<string, unknown>;
  pretrain: TokenizedDataset;
  chat: TokenizedDataset;
  phases: PhaseSpec[];
  padId: number;
  eosId: number;
}

/** 1. Vocabulary (every word and punctuation mark of both datasets, RustGPT's rule), model, phases. */
export function preparePipeline(s: TrainSettings): Pipeline {
  const pretrainText = parseTextDataset(s.pretrainText, s.pretrainName);
  const chatText = parseTextDataset(s.chatText, s.chatName);
  const built = buildWordLevelTokenizer([...pretrainText.entries, ...chatText.entries].map((e) => e.text));
  const tokenizer = tokenizerFromJson(built.json, built.config);
  const pretrain = tokenizeDataset(pretrainText, tokenizer, { kind: "text", maxSeqLen: s.maxSeqLen });
  const chat = tokenizeDataset(chatText, tokenizer, { kind: "dialogue", maxSeqLen: s.maxSeqLen });
  const rustgpt = s.preset === "rustgpt";
  const shape = { vocabSize: tokenizer.vocabSize, numLayers: s.layers, numHeads: s.heads, maxSeqLen: s.maxSeqLen };
  const model = rustgpt
    ? new RustGptModel(rustGptConfig({ ...shape, hiddenSize: s.embedDim, intermediateSize: s.hiddenDim }), ParamSource.init(s.seed))
    : new TinyLlama(tinyLlamaConfig({ ...shape, hiddenSize: s.embedDim, intermediateSize: s.hiddenDim }), ParamSource.init(s.seed));
  // 2-3. RustGPT scores every token of a dialogue in file order at a constant rate; the default
  // model only the answer, length-grouped batches, cosine schedule, clipping.
  const common = rustgpt
    ? ({ schedule: "constant", batchSize: s.batchSize, order: "file", clipNorm: 0 } as const)
    : ({ schedule: "cosine", batchSize: s.batchSize, order: "grouped", clipNorm: 1 } as const);
  const phases: PhaseSpec[] = [
    { name: "pre-training", data: pretrain, epochs: s.pretrainEpochs, lr: s.pretrainLr, lossOn: "all", ...common },
    { name: "instruction-tuning", data: chat, epochs: s.chatEpochs, lr: s.chatLr, lossOn: rustgpt ? "all" : "mask", ...common },
  ];
  const padId = tokenizer.tokenToId(tokenizer.padToken ?? "<pad>");
  if (padId === undefined) throw new Error("the vocabulary has no <pad> token");
  const eosId = tokenizer.eosId ?? tokenizer.tokenToId("</s>");
  if (eosId === undefined) throw new Error("the vocabulary has no </s>");
  return { model, tokenizer, tokenizerJson: built.json, tokenizerConfig: built.config, pretrain, chat, phases, padId, eosId };
}

/** 2-3. Pre-training then instruction tuning, with the caller's hooks (progress, stop). */
export function trainPipeline(p: Pipeline, seed: number, hooks: Omit<TrainOptions, "seed" | "padId">): Promise<TrainResult> {
  return train(p.model, p.phases, { seed, padId: p.padId, ...hooks });
}
