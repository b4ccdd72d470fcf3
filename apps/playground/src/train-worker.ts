/**
 * The Train page's worker: RustGPT's whole pipeline as rustgpt-ts runs it with its default
 * (Llama-shaped) model, minus the file system — vocabulary from both datasets, pre-training,
 * instruction tuning, greedy exact-match on the dialogues; then the trained model as the HF
 * directory it would save (hfModelDirFiles), loaded back for chat exactly as llama-infer loads
 * it, and zipped for download.
 */
import { ParamSource } from "@mini/nn";
import { loadModelFromFiles, tokenizerFromJson } from "@mini/llm";
import { hfModelDirFiles, tinyLlamaConfig, TinyLlama } from "@mini/llm/models";
import { buildWordLevelTokenizer } from "@mini/llm/tokenizers";
import { exactMatch, parseTextDataset, tokenizeDataset, train, type PhaseSpec } from "@mini/llm/training";
import { Generation } from "./generation.js";
import { scope } from "./worker-scope.js";
import type { TrainEvent, TrainRequest, TrainSettings } from "./protocol.js";
import { zipStored } from "./zip.js";

const post = (e: TrainEvent): void => scope.postMessage(e);
let abort: AbortController | null = null;
let files: Record<string, Uint8Array> | null = null;
let generation: Generation | null = null;
let busy: Promise<void> = Promise.resolve();

scope.onmessage = (ev: { data: TrainRequest }) => {
  const req = ev.data;
  if (req.type === "stop") {
    abort?.abort();
    generation?.stop();
    return;
  }
  busy = busy.then(() => handle(req)).catch((e: unknown) => post({ type: "error", message: (e as Error).message ?? String(e) }));
};

async function handle(req: Exclude<TrainRequest, { type: "stop" }>): Promise<void> {
  switch (req.type) {
    case "train":
      return runPipeline(req.settings);
    case "chat":
      if (generation === null) throw new Error("train a model first");
      return generation.chatTurn(req.message, req.sampling);
    case "download":
      if (files === null) throw new Error("train a model first");
      post({ type: "zip", blob: new Blob([zipStored("mini-rustgpt", files) as Uint8Array<ArrayBuffer>], { type: "application/zip" }), name: "mini-rustgpt.zip" });
  }
}

async function runPipeline(s: TrainSettings): Promise<void> {
  abort = new AbortController();
  const pretrainText = parseTextDataset(s.pretrainText, s.pretrainName);
  const chatText = parseTextDataset(s.chatText, s.chatName);
  // 1. Vocabulary: every word and punctuation mark of both datasets (RustGPT's rule).
  const built = buildWordLevelTokenizer([...pretrainText.entries, ...chatText.entries].map((e) => e.text));
  const tokenizer = tokenizerFromJson(built.json, built.config);
  const pretrain = tokenizeDataset(pretrainText, tokenizer, { kind: "text", maxSeqLen: s.maxSeqLen });
  const chat = tokenizeDataset(chatText, tokenizer, { kind: "dialogue", maxSeqLen: s.maxSeqLen });
  const model = new TinyLlama(
    tinyLlamaConfig({ vocabSize: tokenizer.vocabSize, hiddenSize: s.embedDim, intermediateSize: s.hiddenDim, numLayers: s.layers, numHeads: s.heads, maxSeqLen: s.maxSeqLen }),
    ParamSource.init(s.seed),
  );
  post({
    type: "vocabulary",
    text: `vocabulary: ${tokenizer.vocabSize} tokens (${[...tokenizer.specialIds].map((id) => tokenizer.idToToken(id)).join(", ")} included)`,
    parameters: model.numParameters(),
    facts: pretrain.examples.length,
    dialogues: chat.examples.length,
  });

  // 2-3. Pre-training, then instruction tuning on the answers only (rustgpt-ts's default model).
  const common = { schedule: "cosine", batchSize: s.batchSize, order: "grouped", clipNorm: 1 } as const;
  const phases: PhaseSpec[] = [
    { name: "pre-training", data: pretrain, epochs: s.pretrainEpochs, lr: s.pretrainLr, lossOn: "all", ...common },
    { name: "instruction-tuning", data: chat, epochs: s.chatEpochs, lr: s.chatLr, lossOn: "mask", ...common },
  ];
  const padId = tokenizer.tokenToId(tokenizer.padToken ?? "<pad>");
  if (padId === undefined) throw new Error("the vocabulary has no <pad> token");
  // Time left: steps still to run over the running rate of both phases.
  const totalSteps = phases.reduce((n, p) => n + p.epochs * Math.ceil(p.data.examples.length / p.batchSize), 0);
  let stepsDone = 0;
  const t0 = performance.now();
  let phaseIndex = 0;
  const result = await train(model, phases, {
    seed: s.seed,
    padId,
    signal: abort.signal,
    onPhaseStart: (p) => post({ type: "phase", phase: p.phase, epochs: p.epochs, stepsPerEpoch: p.stepsPerEpoch, index: phaseIndex++ }),
    onStep: (r) => {
      stepsDone++;
      post({
        type: "step", phase: r.phase, epoch: r.epoch, step: r.stepInEpoch, steps: r.stepsPerEpoch, loss: r.loss,
        tokensPerSecond: r.tokensPerSecond, elapsedMs: performance.now() - t0, fraction: stepsDone / totalSteps,
      });
    },
    onEpoch: (e) => post({ type: "epoch", phase: e.phase, epoch: e.epoch, meanLoss: e.meanLoss }),
  });
  post({ type: "trained", status: result.status, message: result.message ?? "", seconds: (performance.now() - t0) / 1000 });
  if (result.status === "diverged") return;

  // 4. Greedy exact-match on the dialogues (what `rustgpt-ts --eval` prints).
  const eos = tokenizer.eosId ?? tokenizer.tokenToId("</s>");
  if (eos === undefined) throw new Error("the vocabulary has no </s>");
  const em = exactMatch(model, tokenizer, chat, { stopIds: [eos] });
  post({ type: "exact-match", matched: em.matched, total: em.total, misses: em.misses.slice(0, 5) });

  // 5. The HF directory it would save; chat runs on it as llama-infer would load it.
  files = hfModelDirFiles(model, { tokenizerJson: built.json, tokenizerConfig: built.config });
  const loaded = await loadModelFromFiles(files, { name: "mini-rustgpt" });
  generation = new Generation({ model: loaded.model, tokenizer: loaded.tokenizer!, eosIds: loaded.eosTokenIds }, post);
}
