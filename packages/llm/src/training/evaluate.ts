/**
 * Evaluation: mean loss and perplexity over a dataset, and exact match of greedy answers.
 */
import { noGrad } from "@mini/autograd";
import { crossEntropyLoss } from "@mini/nn";
import { generateAll } from "../generate.js";
import type { CausalLM } from "../models/causal-lm.js";
import type { Tokenizer } from "../tokenizers/tokenizer.js";
import { chunkIndices, makeBatch } from "./batch.js";
import { splitDialogue, type TokenizedDataset } from "./dataset.js";
import { perplexity, type ExactMatchResult } from "./metrics.js";
import type { TrainableLM } from "./trainable-lm.js";

export const IGNORE_INDEX = -100;

export interface EvaluateLossOptions {
  padId: number;
  /** "mask": answer tokens of dialogues; "all": every next token. */
  lossOn: "mask" | "all";
  batchSize?: number;
}

export interface LossReport {
  /** Mean cross-entropy per scored token (nats). */
  readonly loss: number;
  readonly perplexity: number;
  readonly scoredTokens: number;
}

/** Mean next-token loss over every scored target of the dataset (no gradients). */
export function evaluateLoss(model: TrainableLM, data: TokenizedDataset, opts: EvaluateLossOptions): LossReport {
  const order = data.examples.map((_, i) => i);
  let sum = 0;
  let count = 0;
  noGrad(() => {
    for (const idx of chunkIndices(order, opts.batchSize ?? 16)) {
      const batch = makeBatch(
        idx.map((i) => data.examples[i]!),
        { padId: opts.padId, ignoreIndex: IGNORE_INDEX, lossOn: opts.lossOn },
      );
      if (batch.scoredTargets === 0) continue;
      const logits = model.logits(batch.inputs, batch.batchSize, batch.seqLen, batch.paddingMask);
      sum += crossEntropyLoss(logits, batch.targets, { ignoreIndex: IGNORE_INDEX }).item() * batch.scoredTargets;
      count += batch.scoredTargets;
    }
  });
  const loss = count === 0 ? Number.NaN : sum / count;
  return { loss, perplexity: perplexity(loss), scoredTokens: count };
}

export interface ExactMatchOptions {
  /** Ids that end an answer (the tokenizer's `</s>`). */
  stopIds: readonly number[];
}

/**
 * For every dialogue: greedy-generate from its prompt ("User: … Assistant:") and compare with its
 * answer token by token (the answer ends with a stop id, which the generation must produce too).
 */
export function exactMatch(model: CausalLM, tokenizer: Tokenizer, dialogues: TokenizedDataset, opts: ExactMatchOptions): ExactMatchResult {
  if (dialogues.kind !== "dialogue") throw new Error(`exactMatch: ${dialogues.file} was not tokenized as dialogues`);
  const stop = new Set(opts.stopIds);
  const misses: { question: string; expected: string; got: string }[] = [];
  let matched = 0;
  for (const ex of dialogues.examples) {
    const prompt = ex.ids.subarray(0, ex.promptLength);
    const expected = Array.from(ex.ids.subarray(ex.promptLength));
    const result = generateAll(model, prompt, { sampler: { temperature: 0 }, stopIds: opts.stopIds, maxNewTokens: expected.length + 1 });
    const got = result.stopId === undefined ? result.ids : [...result.ids, result.stopId];
    const same = got.length === expected.length && got.every((id, i) => id === expected[i]) && stop.has(got[got.length - 1]!);
    if (same) matched++;
    else {
      misses.push({
        question: splitDialogue(ex.text)?.prompt ?? tokenizer.decode(Array.from(prompt)),
        expected: tokenizer.decode(expected, { skipSpecialTokens: true }),
        got: tokenizer.decode(got, { skipSpecialTokens: true }),
      });
    }
  }
  const total = dialogues.examples.length;
  return { matched, total, rate: total === 0 ? 0 : matched / total, misses };
}
