/**
 * trainStep: a user's own loop over trainStep reproduces `train` exactly (same losses, same
 * weights), and a non-finite loss takes no step.
 */
import { Adam, ParamSource } from "@mini/nn";
import { describe, expect, it } from "vitest";
import { TinyLlama, tinyLlamaConfig } from "../src/models/tiny-llama/index.js";
import { buildWordLevelTokenizer } from "../src/tokenizers/index.js";
import { chunkIndices, IGNORE_INDEX, makeBatch, parseTextDataset, tokenizeDataset, train, trainStep } from "../src/training/index.js";

const TEXTS = ["The sun rises in the east </s>", "Bees make honey from nectar </s>", "Snow is frozen water </s>", "Fish breathe with gills </s>", "The moon orbits the earth </s>"];
const built = buildWordLevelTokenizer(TEXTS);
const data = tokenizeDataset(parseTextDataset(JSON.stringify(TEXTS), "facts.json"), built.tokenizer, { kind: "text", maxSeqLen: 16 });
const padId = built.tokenizer.tokenToId("<pad>")!;
const makeModel = () =>
  new TinyLlama(tinyLlamaConfig({ vocabSize: built.tokenizer.vocabSize, hiddenSize: 16, intermediateSize: 24, numLayers: 1, numHeads: 2, maxSeqLen: 16 }), ParamSource.init(3));
const weights = (m: TinyLlama) => m.parameters().flatMap((p) => Array.from(p.value.data));

describe("trainStep", () => {
  it("in a hand-written loop gives train()'s epoch losses and weights bit for bit", async () => {
    const epochs = 3;
    const byTrain = makeModel();
    const result = await train(byTrain, [{ name: "p", data, epochs, lr: 5e-3, schedule: "constant", batchSize: 2, order: "file", lossOn: "all", clipNorm: 1 }], { seed: 1, padId });

    const mine = makeModel();
    const optimizer = new Adam(mine.parameters(), { lr: 5e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8 });
    const epochLosses: number[] = [];
    for (let e = 0; e < epochs; e++) {
      const losses: number[] = [];
      for (const idx of chunkIndices(data.examples.map((_, i) => i), 2)) {
        const batch = makeBatch(idx.map((i) => data.examples[i]!), { padId, ignoreIndex: IGNORE_INDEX, lossOn: "all" });
        const step = trainStep(mine, batch, { optimizer, clipNorm: 1 });
        expect(step.nonFinite).toBeNull();
        expect(step.gradNorm).toBeGreaterThan(0);
        losses.push(step.loss);
      }
      epochLosses.push(losses.reduce((a, b) => a + b, 0) / losses.length);
    }
    expect(epochLosses).toEqual(result.phases[0]!.epochLosses);
    expect(epochLosses[2]!).toBeLessThan(epochLosses[0]!);
    expect(weights(mine)).toEqual(weights(byTrain));
  });

  it("takes no step on a non-finite loss and says so", () => {
    const m = makeModel();
    m.parameters()[0]!.value.data.fill(Number.NaN); // the embedding: every logit reads it
    const before = weights(m);
    const optimizer = new Adam(m.parameters(), { lr: 1e-2 });
    const batch = makeBatch(data.examples, { padId, ignoreIndex: IGNORE_INDEX, lossOn: "all" });
    const step = trainStep(m, batch, { optimizer });
    expect(step.nonFinite?.what).toBe("loss");
    expect(weights(m).map(String)).toEqual(before.map(String)); // NaN-aware: nothing moved
  });
});
