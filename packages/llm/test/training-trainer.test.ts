/**
 * The trainer: loss falls, runs are reproducible, an interrupted run resumed from its checkpoint
 * ends exactly where an uninterrupted one does, divergence stops training with the last good
 * weights, and a checkpoint of another configuration is refused.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ParamSource } from "@mini/nn";
import { heap, HeapGrowthError, releaseScratch } from "@mini/tensor";
import { afterAll, describe, expect, it } from "vitest";
import { TinyLlama, tinyLlamaConfig } from "../src/models/tiny-llama/index.js";
import { buildWordLevelTokenizer } from "../src/tokenizers/index.js";
import { fillHeap } from "./heap-helpers.js";
import { evaluateLoss, exactMatch, parseTextDataset, ResumeError, tokenizeDataset, train, type PhaseSpec, type TrainOptions } from "../src/training/index.js";

const FACTS = [
  "The sun rises in the east </s>",
  "Water boils at one hundred degrees </s>",
  "Bees make honey from nectar </s>",
  "Snow is frozen water </s>",
  "Fish breathe with gills </s>",
  "The moon orbits the earth </s>",
];
const DIALOGUES = [
  "User: Where does the sun rise? Assistant: The sun rises in the east. </s>",
  "User: What do bees make? Assistant: Bees make honey. </s>",
  "User: Hello! Assistant: Hello! How can I help? </s>",
  "User: What is snow? Assistant: Snow is frozen water. </s>",
];
const built = buildWordLevelTokenizer([...FACTS, ...DIALOGUES]);
const tok = built.tokenizer;
const facts = tokenizeDataset(parseTextDataset(JSON.stringify(FACTS), "facts.json"), tok, { kind: "text", maxSeqLen: 24 });
const chat = tokenizeDataset(parseTextDataset(JSON.stringify(DIALOGUES), "chat.json"), tok, { kind: "dialogue", maxSeqLen: 24 });
const PAD = tok.tokenToId("<pad>")!;
const EOS = tok.tokenToId("</s>")!;
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "mini-trainer-"));
  dirs.push(d);
  return d;
}

function makeModel(seed = 1, hiddenSize = 16): TinyLlama {
  return new TinyLlama(tinyLlamaConfig({ vocabSize: tok.vocabSize, hiddenSize, intermediateSize: 32, numLayers: 1, numHeads: 2, maxSeqLen: 24 }), ParamSource.init(seed));
}

function phases(e1: number, e2: number): PhaseSpec[] {
  const common = { schedule: "cosine", batchSize: 3, order: "grouped", clipNorm: 1 } as const;
  return [
    { name: "pretraining", data: facts, epochs: e1, lr: 1e-2, lossOn: "all", ...common },
    { name: "instruction-tuning", data: chat, epochs: e2, lr: 1e-2, lossOn: "mask", ...common },
  ];
}

const run = (model: TinyLlama, e1: number, e2: number, opts: Partial<TrainOptions> = {}) => train(model, phases(e1, e2), { seed: 5, padId: PAD, ...opts });

function weights(m: TinyLlama): number[] {
  return m.parameters().flatMap((p) => Array.from(p.value.data));
}

describe("train", () => {
  it("lowers the loss of both phases and learns the answers", async () => {
    const m = makeModel();
    const before = evaluateLoss(m, chat, { padId: PAD, lossOn: "mask" }).loss;
    const r = await run(m, 25, 40);
    expect(r.status).toBe("completed");
    const [pre, inst] = r.phases;
    expect(pre!.epochLosses).toHaveLength(25);
    expect(pre!.epochLosses.at(-1)!).toBeLessThan(pre!.epochLosses[0]! * 0.5);
    expect(inst!.epochLosses.at(-1)!).toBeLessThan(inst!.epochLosses[0]! * 0.2);
    const after = evaluateLoss(m, chat, { padId: PAD, lossOn: "mask" });
    expect(after.loss).toBeLessThan(before * 0.2);
    expect(after.perplexity).toBeCloseTo(Math.exp(after.loss), 6);
    expect(exactMatch(m, tok, chat, { stopIds: [EOS] }).matched).toBeGreaterThanOrEqual(3);
    expect(pre!.tokens).toBe(25 * facts.examples.reduce((n, e) => n + e.ids.length - 1, 0));
  });

  it("gives the same losses and weights for the same seed, others for another", async () => {
    const a = makeModel(1);
    const b = makeModel(1);
    const c = makeModel(2);
    const [ra, rb, rc] = [await run(a, 3, 3), await run(b, 3, 3), await run(c, 3, 3)];
    expect(rb.phases.map((p) => p.epochLosses)).toEqual(ra.phases.map((p) => p.epochLosses));
    expect(weights(b)).toEqual(weights(a));
    expect(rc.phases[0]!.epochLosses).not.toEqual(ra.phases[0]!.epochLosses);
  });

  it("resumes an interrupted run to exactly the uninterrupted result", async () => {
    const full = makeModel();
    const reference = await run(full, 4, 3);
    const dir = join(tempDir(), "ck");
    const stopAt = 5; // phase 1 has 2 steps per epoch: interrupt in the middle of epoch 3
    const controller = new AbortController();
    const first = makeModel();
    const interrupted = await run(first, 4, 3, {
      checkpoint: { dir, everyEpochs: 0 },
      signal: controller.signal,
      onStep: (s) => s.phaseStep === stopAt && controller.abort(),
    });
    expect(interrupted.status).toBe("interrupted");
    expect(interrupted.message).toMatch(/pretraining: interrupted at epoch 3, step 1; checkpoint saved to/);
    expect(existsSync(join(dir, "checkpoint.json"))).toBe(true);
    const resumedModel = makeModel(99); // other init: everything must come from the checkpoint
    const resumed = await run(resumedModel, 4, 3, { resumeFrom: dir });
    expect(resumed.status).toBe("completed");
    expect(resumed.phases.map((p) => p.epochLosses)).toEqual(reference.phases.map((p) => p.epochLosses));
    expect(weights(resumedModel)).toEqual(weights(full));
  });

  it("stops on a non-finite loss and keeps the last good weights", async () => {
    const m = makeModel();
    const dir = join(tempDir(), "ck");
    let good: number[] = [];
    const r = await run(m, 3, 2, {
      checkpoint: { dir, everyEpochs: 0 },
      onEpoch: (e) => {
        if (e.phase !== "pretraining" || e.epoch !== 0) return;
        good = weights(m);
        m.parameters()[3]!.value.data[0] = Number.NaN; // poison: the next forward gives NaN
      },
    });
    expect(r.status).toBe("diverged");
    expect(r.message).toMatch(/^pretraining: loss became NaN at epoch 2, step 2; training stopped/);
    expect(weights(m)).toEqual(good);
    expect(r.checkpointDir).toBe(dir);
    expect(existsSync(join(dir, "checkpoint.json"))).toBe(true);
  });

  it("writes periodic checkpoints and refuses to resume into another configuration", async () => {
    const dir = join(tempDir(), "ck");
    await run(makeModel(), 3, 1, { checkpoint: { dir, everyEpochs: 2 } });
    expect(existsSync(join(dir, "checkpoint.json"))).toBe(true);
    await expect(run(makeModel(1, 24), 3, 1, { resumeFrom: dir })).rejects.toThrow(ResumeError);
    await expect(run(makeModel(1, 24), 3, 1, { resumeFrom: dir })).rejects.toThrow(/checkpoint from a different configuration: hiddenSize is 16 in the checkpoint, 24 in this run/);
  });

  it("names the first tensor that does not fit, in one line, when the weights are another model's", async () => {
    const dir = join(tempDir(), "ck");
    await run(makeModel(), 3, 1, { checkpoint: { dir, everyEpochs: 2 } });
    // The description says hiddenSize 24 (as the new model), the weights are still 16 wide.
    const meta = JSON.parse(readFileSync(join(dir, "checkpoint.json"), "utf8"));
    meta.config.model.hiddenSize = 24;
    writeFileSync(join(dir, "checkpoint.json"), JSON.stringify(meta));
    const err = await run(makeModel(1, 24), 3, 1, { resumeFrom: dir }).then(() => null, (e: Error) => e);
    expect(err).toBeInstanceOf(ResumeError);
    expect(err!.message).not.toContain("\n");
    expect(err!.message).toMatch(/ck: checkpoint of another model: tensor "[\w.]+" is \[(\d+, )?16(, \d+)?\] in the checkpoint, \[(\d+, )?24(, \d+)?\] in this model \(and \d+ more differences\)$/);
  });

  it("after a phase's first step, a step that would grow the WASM heap throws HeapGrowthError naming the step and the op", async () => {
    const model = makeModel(3, 64);
    let fillers: number[] = [];
    let generation = -1;
    try {
      const training = train(model, [phases(3, 1)[0]!], {
        seed: 5,
        padId: PAD,
        onStep: (r) => {
          if (r.phaseStep !== 1) return;
          releaseScratch(); // step 2 must take its kernel scratch again, from a full heap
          fillers = fillHeap();
          generation = heap.generation;
        },
      });
      await expect(training).rejects.toThrow(HeapGrowthError);
      await expect(training).rejects.toThrow(/^.+ \(\d+ floats of scratch\) asked for \d+ bytes of WASM heap during training step 2 of phase pretraining, which would grow the memory/);
      expect(heap.generation).toBe(generation);
    } finally {
      for (const p of fillers) heap.release(p);
    }
  });
});
