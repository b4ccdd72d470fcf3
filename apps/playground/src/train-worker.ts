/**
 * The Train page's worker: RustGPT's whole pipeline as rustgpt-ts runs it, minus the file system —
 * vocabulary from both datasets, pre-training, instruction tuning, greedy exact-match on the
 * dialogues. With the default (Llama-shaped) model, the trained model then becomes the HF
 * directory rustgpt-ts would save (hfModelDirFiles), loaded back for chat exactly as llama-infer
 * loads it, and zipped for download; RustGPT's own preset is chatted with directly (its saved form
 * is mini's own, which llama-infer does not read).
 */
import { loadModelFromFiles } from "@mini/llm";
import { setThreads, startThreadPool } from "@mini/tensor";
import { hfModelDirFiles, TinyLlama } from "@mini/llm/models";
import { exactMatch } from "@mini/llm/training";
import { Generation } from "./generation.js";
import { preparePipeline, trainPipeline } from "./pipeline.js";
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
  if (s.threads !== null) setThreads(s.threads);
  const threads = await startThreadPool();
  const p = preparePipeline(s);
  const { model, tokenizer, chat } = p;
  post({
    type: "vocabulary",
    text: `threads: ${threads}; vocabulary: ${tokenizer.vocabSize} tokens (${[...tokenizer.specialIds].map((id) => tokenizer.idToToken(id)).join(", ")} included)`,
    parameters: model.numParameters(),
    facts: p.pretrain.examples.length,
    dialogues: chat.examples.length,
  });
  // Time left: steps still to run over the running rate of both phases.
  const totalSteps = p.phases.reduce((n, ph) => n + ph.epochs * Math.ceil(ph.data.examples.length / ph.batchSize), 0);
  let stepsDone = 0;
  const t0 = performance.now();
  let phaseIndex = 0;
  const result = await trainPipeline(p, s.seed, {
    signal: abort.signal,
    onPhaseStart: (ph) => post({ type: "phase", phase: ph.phase, epochs: ph.epochs, stepsPerEpoch: ph.stepsPerEpoch, index: phaseIndex++ }),
    onStep: (r) => {
      stepsDone++;
      post({
        type: "step", phase: r.phase, epoch: r.epoch, step: r.stepInEpoch, steps: r.stepsPerEpoch, loss: r.loss,
        tokensPerSecond: r.tokensPerSecond, elapsedMs: performance.now() - t0, fraction: stepsDone / totalSteps,
      });
    },
    onEpoch: (e) => post({ type: "epoch", phase: e.phase, epoch: e.epoch, meanLoss: e.meanLoss, seconds: e.seconds }),
  });
  post({ type: "trained", status: result.status, message: result.message ?? "", seconds: (performance.now() - t0) / 1000 });
  if (result.status === "diverged") return;

  // 4. Greedy exact-match on the dialogues (what `rustgpt-ts --eval` prints).
  const em = exactMatch(model, tokenizer, chat, { stopIds: [p.eosId] });
  const downloadable = model instanceof TinyLlama;
  post({ type: "exact-match", matched: em.matched, total: em.total, misses: em.misses.slice(0, 5), downloadable });

  if (!(model instanceof TinyLlama)) {
    files = null;
    generation = new Generation({ model, tokenizer, eosIds: [p.eosId] }, post, { dialogue: true });
    return;
  }
  // 5. The HF directory it would save; chat runs on it as llama-infer would load it.
  files = hfModelDirFiles(model, { tokenizerJson: p.tokenizerJson, tokenizerConfig: p.tokenizerConfig });
  const loaded = await loadModelFromFiles(files, { name: "mini-rustgpt" });
  generation = new Generation({ model: loaded.model, tokenizer: loaded.tokenizer!, eosIds: loaded.eosTokenIds }, post);
}
