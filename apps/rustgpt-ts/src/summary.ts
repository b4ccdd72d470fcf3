/**
 * summary.json and loss-curve.svg, written beside the saved model.
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "@mini/tensor";
import type { ExactMatchResult, LossReport } from "@mini/llm/training";
import { lossCurveSvg } from "./plot.js";
import type { TrainRunResult } from "./train-run.js";

export interface Summary {
  preset: string;
  seed: number;
  parameters: number;
  vocabSize: number;
  model: Record<string, unknown>;
  data: { file: string; examples: number; tokens: number }[];
  phases: {
    name: string;
    epochs: number;
    lr: number;
    batchSize: number;
    epochLosses: number[];
    wallSeconds: number;
    trainSeconds: number;
    tokens: number;
    tokensPerSecond: number;
  }[];
  evaluation: { loss: number; perplexity: number; exactMatch: { matched: number; total: number; rate: number } } | null;
}

export function buildSummary(r: TrainRunResult, evaluation: { loss: LossReport; exactMatch: ExactMatchResult } | null): Summary {
  const o = r.options;
  const spec: Record<string, { epochs: number; lr: number }> = {
    [r.result.phases[0]?.name ?? ""]: { epochs: o.pretrainEpochs, lr: o.pretrainLr },
    [r.result.phases[1]?.name ?? ""]: { epochs: o.chatEpochs, lr: o.chatLr },
  };
  return {
    preset: o.preset,
    seed: o.seed,
    parameters: r.trained.model.numParameters(),
    vocabSize: r.trained.tokenizer.vocabSize,
    model: r.trained.model.describe(),
    data: [r.pretrain, r.chat].map((d) => ({ file: d.file, examples: d.examples.length, tokens: d.totalTokens })),
    phases: r.result.phases.map((p) => ({
      name: p.name,
      epochs: spec[p.name]?.epochs ?? p.epochLosses.length,
      lr: spec[p.name]?.lr ?? Number.NaN,
      batchSize: o.batchSize,
      epochLosses: p.epochLosses,
      wallSeconds: round(r.wallSeconds[p.name] ?? p.seconds),
      trainSeconds: round(p.seconds),
      tokens: p.tokens,
      tokensPerSecond: Math.round(p.tokensPerSecond),
    })),
    evaluation: evaluation && {
      loss: evaluation.loss.loss,
      perplexity: evaluation.loss.perplexity,
      exactMatch: { matched: evaluation.exactMatch.matched, total: evaluation.exactMatch.total, rate: evaluation.exactMatch.rate },
    },
  };
}

/** Writes summary.json and loss-curve.svg into `dir`; returns their paths. */
export function writeSummary(dir: string, s: Summary): { summary: string; plot: string } {
  const summary = join(dir, "summary.json");
  const plot = join(dir, "loss-curve.svg");
  const title = `${s.preset} · ${s.parameters.toLocaleString("en-US")} parameters · seed ${s.seed}`;
  writeFileAtomic(plot, lossCurveSvg(s.phases.map((p) => ({ name: p.name, losses: p.epochLosses })), title));
  // Last, and whole or not at all: a summary.json always describes the model beside it.
  writeFileAtomic(summary, JSON.stringify(s, null, 2) + "\n");
  return { summary, plot };
}

/** Removes the summary of an earlier run, before the model it describes is replaced. */
export function removeSummary(dir: string): void {
  rmSync(join(dir, "summary.json"), { force: true });
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
