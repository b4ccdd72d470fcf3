/**
 * The training pipeline, wired: read both datasets, build (or, on resume, reload) the vocabulary,
 * build the model of the preset, run pre-training then instruction tuning with a progress display,
 * and save the model. All math is in @mini/llm; this file only connects it.
 */
import { existsSync, readFileSync, rmSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "@mini/tensor";
import { ParamSource } from "@mini/nn";
import { tokenizerFromJson, type Tokenizer } from "@mini/llm";
import { rustGptConfig, RustGptModel, tinyLlamaConfig, TinyLlama } from "@mini/llm/models";
import { buildByteLevelBpeTokenizer, buildWordLevelTokenizer, rustGptVocabulary } from "@mini/llm/tokenizers";
import {
  readTextDataset,
  readTrainingCheckpoint,
  tokenizeDataset,
  train,
  type PhaseSpec,
  type TokenizedDataset,
  type TrainResult,
} from "@mini/llm/training";
import type { RunOptions } from "./cli.js";
import { AppError } from "./errors.js";
import { ensureWritableDir } from "./writable-dir.js";
import { checkGgufExportable, checkGgufTarget, RUSTGPT_NOT_GGUF, WORD_LEVEL_NOT_GGUF } from "./gguf-export.js";
import { architectureOptions, checkGivenMatches, type TokenizerFiles, type TrainedModel } from "./model-files.js";
import { PhaseProgress } from "./progress.js";

export interface AppIO {
  out: NodeJS.WriteStream | NodeJS.WritableStream;
  err: NodeJS.WritableStream;
  /** Show progress bars (default: when `out` is a TTY). */
  tty?: boolean;
}

export interface TrainRunResult {
  trained: TrainedModel;
  tokenizerFiles: TokenizerFiles;
  result: TrainResult;
  pretrain: TokenizedDataset;
  chat: TokenizedDataset;
  /** Wall time of each phase (seconds), by phase name. */
  wallSeconds: Record<string, number>;
  options: RunOptions;
}

/** Options stored in the checkpoint so `--resume DIR` continues the same run. */
const SAVED_KEYS = [
  "preset", "pretrainData", "chatData", "pretrainEpochs", "chatEpochs", "pretrainLr", "chatLr", "batchSize",
  "hiddenSize", "intermediateSize", "layers", "heads", "maxSeqLen", "seed", "clipNorm", "schedule", "checkpointEvery", "tokenizer", "vocabSize",
] as const;

export const PHASES = { pretraining: "pre-training", chat: "instruction-tuning" } as const;

export async function trainRun(given: RunOptions, io: AppIO, signal: AbortSignal): Promise<TrainRunResult> {
  let o = given;
  let resumeCheckpoint: string | undefined;
  if (given.resume !== undefined) {
    ({ options: o, checkpoint: resumeCheckpoint } = await resumeOptions(given));
  }
  if (o.saveGguf !== undefined) {
    checkGgufTarget(o.saveGguf);
    if (o.preset === "rustgpt") throw new AppError(RUSTGPT_NOT_GGUF);
    if (resumeCheckpoint === undefined && o.tokenizer !== "bpe") throw new AppError(WORD_LEVEL_NOT_GGUF);
  }
  const checkpointDir = join(o.save, "checkpoint");
  // Before any work: a directory the run cannot write fails now, not after training.
  ensureWritableDir(o.save, given.resume !== undefined && !given.given.has("save") ? "--resume" : "--save");

  const pretrainText = readTextDataset(o.pretrainData);
  const chatText = readTextDataset(o.chatData);
  const texts = [...pretrainText.entries, ...chatText.entries].map((e) => e.text);
  let tokenizerJson: Record<string, unknown>;
  let tokenizerConfig: Record<string, unknown>;
  if (resumeCheckpoint !== undefined) {
    tokenizerJson = readJson(join(o.save, "tokenizer.json"));
    tokenizerConfig = readJson(join(o.save, "tokenizer_config.json"));
  } else {
    const built = o.tokenizer === "bpe" ? buildByteLevelBpeTokenizer(texts, o.vocabSize) : buildWordLevelTokenizer(texts);
    tokenizerJson = built.json;
    tokenizerConfig = built.config;
  }
  if (o.saveGguf !== undefined) checkGgufExportable(o.preset, tokenizerJson); // a resumed run's vocabulary
  const tokenizer = tokenizerFromJson(tokenizerJson, tokenizerConfig);
  const pretrain = tokenizeDataset(pretrainText, tokenizer, { kind: "text", maxSeqLen: o.maxSeqLen });
  const chat = tokenizeDataset(chatText, tokenizer, { kind: "dialogue", maxSeqLen: o.maxSeqLen });
  for (const d of [pretrain, chat]) {
    if (d.unknownTokens > 0) io.err.write(`${d.file}: ${d.unknownTokens} word(s) not in the vocabulary became <unk>\n`);
  }

  const ps = ParamSource.init(o.seed);
  const model =
    o.preset === "rustgpt"
      ? new RustGptModel(
          rustGptConfig({ vocabSize: tokenizer.vocabSize, hiddenSize: o.hiddenSize, intermediateSize: o.intermediateSize, numLayers: o.layers, numHeads: o.heads, maxSeqLen: o.maxSeqLen }),
          ps,
        )
      : new TinyLlama(
          tinyLlamaConfig({ vocabSize: tokenizer.vocabSize, hiddenSize: o.hiddenSize, intermediateSize: o.intermediateSize, numLayers: o.layers, numHeads: o.heads, maxSeqLen: o.maxSeqLen }),
          ps,
        );
  const trained: TrainedModel = { preset: o.preset, model, tokenizer };
  io.out.write(
    `${o.preset === "rustgpt" ? "RustGPT preset" : "Llama-shaped model"}: ${model.numParameters().toLocaleString("en-US")} parameters, ` +
      `vocabulary ${tokenizer.vocabSize} tokens; ${pretrain.examples.length} facts, ${chat.examples.length} dialogues\n`,
  );
  const bpe = (tokenizerJson["model"] as { type?: unknown } | undefined)?.type === "BPE";
  const bpeNote = `vocabulary: byte-level BPE trained on the data, ${tokenizer.vocabSize} tokens (256 bytes, ${tokenizer.vocabSize - 256 - tokenizer.specialIds.size} merges, ${tokenizer.specialIds.size} specials).`;
  io.out.write(`  ${bpe ? bpeNote : vocabularyNote(tokenizer, texts)}\n`);
  // The vocabulary goes to the save directory first, so an interrupted run can be resumed.
  mkdirSync(o.save, { recursive: true });
  writeFileAtomic(join(o.save, "tokenizer.json"), JSON.stringify(tokenizerJson, null, 2) + "\n");
  writeFileAtomic(join(o.save, "tokenizer_config.json"), JSON.stringify(tokenizerConfig, null, 2) + "\n");

  const rustgpt = o.preset === "rustgpt";
  const common = { schedule: o.schedule, batchSize: o.batchSize, order: rustgpt ? "file" : "grouped", clipNorm: o.clipNorm } as const;
  const phases: PhaseSpec[] = [
    { name: PHASES.pretraining, data: pretrain, epochs: o.pretrainEpochs, lr: o.pretrainLr, lossOn: "all", ...common },
    // RustGPT scores every token of a dialogue; the default model only the answer.
    { name: PHASES.chat, data: chat, epochs: o.chatEpochs, lr: o.chatLr, lossOn: rustgpt ? "all" : "mask", ...common },
  ];

  const padId = tokenizer.tokenToId(tokenizer.padToken ?? "<pad>");
  if (padId === undefined) throw new AppError(`${join(o.save, "tokenizer.json")}: the vocabulary has no <pad> token`);
  let bar: PhaseProgress | null = null;
  const wallSeconds: Record<string, number> = {};
  let phaseStart = 0;
  const saved = Object.fromEntries(SAVED_KEYS.map((k) => [k, o[k]]));
  const result = await train(model, phases, {
    seed: o.seed,
    padId,
    checkpoint: { dir: checkpointDir, everyEpochs: o.checkpointEvery, extra: { options: saved } },
    ...(resumeCheckpoint !== undefined ? { resumeFrom: resumeCheckpoint } : {}),
    signal,
    onPhaseStart: (p) => {
      phaseStart = performance.now();
      if (p.epochs > p.startEpoch) {
        bar = new PhaseProgress({ phase: p.phase, epochs: p.epochs, stepsPerEpoch: p.stepsPerEpoch, stream: io.out as NodeJS.WriteStream, ...(io.tty !== undefined ? { tty: io.tty } : {}) });
      }
    },
    onStep: (s) => bar?.step(s.epoch * s.stepsPerEpoch + s.stepInEpoch + 1, s.epoch, s.loss, s.tokensPerSecond),
    onEpoch: (e) => bar?.epoch(e.epoch, e.meanLoss, e.tokensPerSecond),
    onPhaseEnd: (r) => {
      bar?.stop();
      bar = null;
      wallSeconds[r.name] = (performance.now() - phaseStart) / 1000;
    },
  });
  (bar as PhaseProgress | null)?.stop();
  if (result.status === "completed") rmSync(checkpointDir, { recursive: true, force: true });
  return { trained, tokenizerFiles: { tokenizerJson, tokenizerConfig }, result, pretrain, chat, wallSeconds, options: o };
}

/** The options of the run being resumed (from its checkpoint), checked against explicit ones. */
async function resumeOptions(given: RunOptions): Promise<{ options: RunOptions; checkpoint: string }> {
  const dir = given.resume!;
  const checkpoint = existsSync(join(dir, "checkpoint.json")) ? dir : join(dir, "checkpoint");
  if (!existsSync(join(checkpoint, "checkpoint.json"))) {
    throw new AppError(`${dir}: nothing to resume (no checkpoint/ with checkpoint.json; a finished run removes its checkpoint)`);
  }
  const ck = await readTrainingCheckpoint(checkpoint);
  const savedOptions = (ck.extra as { options?: Partial<RunOptions> } | undefined)?.options;
  if (!savedOptions || typeof savedOptions.preset !== "string") throw new AppError(`${checkpoint}: not a rustgpt-ts checkpoint (no run options saved)`);
  // Checkpoints written before the names were unified store embedDim / hiddenDim.
  const legacy = savedOptions as { embedDim?: number; hiddenDim?: number };
  const saved = {
    ...savedOptions,
    hiddenSize: savedOptions.hiddenSize ?? legacy.embedDim,
    intermediateSize: savedOptions.intermediateSize ?? legacy.hiddenDim,
  } as Pick<RunOptions, (typeof SAVED_KEYS)[number]>;
  const explicit = new Set<string>(given.given);
  checkGivenMatches(checkpoint, { preset: saved.preset, hiddenSize: saved.hiddenSize, intermediateSize: saved.intermediateSize, layers: saved.layers, heads: saved.heads, maxSeqLen: saved.maxSeqLen }, given as unknown as Record<string, unknown>, explicit);
  const runDir = checkpoint === dir ? join(dir, "..") : dir;
  const save = given.given.has("save") ? given.save : runDir;
  return { options: { ...given, ...saved, save }, checkpoint };
}

/** Explicit architecture options against a loaded model (for --load). */
export function checkLoadedMatches(dir: string, t: TrainedModel, o: RunOptions): void {
  const explicit = new Set<string>(o.given);
  checkGivenMatches(dir, { preset: t.preset, ...architectureOptions(t.model) }, o as unknown as Record<string, unknown>, explicit);
}

/**
 * Why the vocabulary size differs from the one RustGPT prints for the same data (533 vs our 532
 * on its own files): RustGPT has no <unk> or <pad>, and its punctuation rule also makes tokens of
 * the pieces of "</s>" ("<", "/", "s", ">"), which we keep whole.
 */
export function vocabularyNote(tokenizer: Tokenizer, texts: readonly string[]): string {
  const specials = [...tokenizer.specialIds].sort((a, b) => a - b).map((id) => tokenizer.idToToken(id)!);
  const rust = rustGptVocabulary(texts);
  // What RustGPT has and we do not: the pieces of "</s>", in their order there.
  const pieces = rust.filter((w) => tokenizer.tokenToId(w) === undefined).sort((a, b) => "</s>".indexOf(a) - "</s>".indexOf(b));
  const missing = specials.filter((s) => !rust.includes(s));
  const why = [
    ...(missing.length > 0 ? [`it has no ${missing.join(" or ")}`] : []),
    ...(pieces.length > 0 ? [`it makes ${pieces.map((p) => `"${p}"`).join(", ")} of </s> tokens of their own`] : []),
  ];
  return (
    `vocabulary: ${tokenizer.vocabSize - specials.length} words and punctuation marks + ${specials.join(", ")}. ` +
    `RustGPT counts ${rust.length} on the same data${why.length > 0 ? `: ${why.join(", and ")}` : ""}.`
  );
}

function readJson(path: string): Record<string, unknown> {
  if (!existsSync(path)) throw new AppError(`${path}: missing (needed to resume)`);
  try {
    return JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
  } catch (e) {
    throw new AppError(`${path}: malformed JSON (${(e as Error).message})`);
  }
}
