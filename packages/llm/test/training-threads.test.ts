/**
 * Training on the kernel pool is bit-identical for every thread count: the same seed gives the
 * same losses and the same weights (and Adam moments) after a few steps at 1, 2 and 3 threads, for
 * the RustGPT preset at its real width (batch 1, as RustGPT trains) and the default Llama (batch 4,
 * gradient clipping). The pool must actually split calls at 2 threads (poolRounds grows), or the
 * comparison would prove nothing; and the backward pass and Adam's step must be split themselves
 * (issue 11: "the pool serves training too"), which a forward-only pool would also pass above.
 */
import { getThreads, poolRounds, poolSupported, profileRounds, setThreads, createRng } from "@mini/tensor";
import { Adam, crossEntropyLoss, ParamSource } from "@mini/nn";
import { afterAll, describe, expect, it } from "vitest";
import { RustGptModel, rustGptConfig } from "../src/models/rustgpt/index.js";
import { TinyLlama, tinyLlamaConfig } from "../src/models/tiny-llama/index.js";
import { IGNORE_INDEX, makeBatch, trainStep, type Example, type TrainableLM } from "../src/training/index.js";

const initialThreads = getThreads();
afterAll(() => setThreads(initialThreads));

const VOCAB = 300;

/** Seeded examples of `len` tokens (every target scored). */
function examples(count: number, len: number, seed: number): Example[] {
  const rng = createRng(seed);
  return Array.from({ length: count }, () => {
    const ids = Array.from({ length: len }, () => 2 + rng.int(VOCAB - 2));
    return { ids, lossMask: ids.map(() => 1) } as unknown as Example;
  });
}

interface Run {
  losses: number[];
  state: Uint32Array;
  rounds: number;
}

/** `steps` trainSteps from a fresh seeded model; the losses and every weight and moment as bits. */
function trainAt(threads: number, make: () => TrainableLM, batches: Example[][], clipNorm: number): Run {
  setThreads(threads);
  const model = make();
  const optimizer = new Adam(model.parameters(), { lr: 1e-3 });
  const rounds0 = poolRounds();
  const losses = batches.map((b) => {
    const batch = makeBatch(b, { padId: 0, ignoreIndex: IGNORE_INDEX, lossOn: "all" });
    const step = trainStep(model, batch, { optimizer, clipNorm });
    expect(step.nonFinite).toBeNull();
    return step.loss;
  });
  const rounds = poolRounds() - rounds0;
  const arrays = [...model.parameters().map((p) => p.value.data), ...Object.values(optimizer.stateDict().tensors).map((t) => t.data)];
  const state = new Float32Array(arrays.reduce((n, a) => n + a.length, 0));
  let at = 0;
  for (const a of arrays) {
    state.set(a, at);
    at += a.length;
  }
  return { losses, state: new Uint32Array(state.buffer), rounds };
}

function expectSameAtEveryThreadCount(make: () => TrainableLM, batches: Example[][], clipNorm: number): void {
  const one = trainAt(1, make, batches, clipNorm);
  expect(one.rounds).toBe(0);
  for (const t of [2, 3]) {
    const other = trainAt(t, make, batches, clipNorm);
    if (poolSupported) expect(other.rounds, `calls split at ${t} threads`).toBeGreaterThan(0);
    expect(other.losses, `losses at ${t} threads`).toEqual(one.losses);
    // the first differing bit pattern (a deep toEqual over ~1.5M numbers is slow)
    expect(other.state.length).toBe(one.state.length);
    expect(other.state.findIndex((bits, i) => bits !== one.state[i]), `first differing weight or moment at ${t} threads`).toBe(-1);
  }
}

describe("training on the kernel pool", () => {
  it("RustGPT preset: same losses, weights and moments at 1, 2 and 3 threads", () => {
    const make = (): RustGptModel => new RustGptModel(rustGptConfig({ vocabSize: VOCAB }), ParamSource.init(11));
    const batches = [...examples(2, 14, 1), ...examples(1, 31, 2)].map((e) => [e]);
    expectSameAtEveryThreadCount(make, batches, 0);
  });

  it("at 2 threads the backward pass and the Adam step are themselves split across the pool, not only the forward", () => {
    setThreads(2);
    const model = new RustGptModel(rustGptConfig({ vocabSize: VOCAB }), ParamSource.init(11));
    const optimizer = new Adam(model.parameters(), { lr: 1e-3 });
    const batch = makeBatch(examples(1, 31, 2), { padId: 0, ignoreIndex: IGNORE_INDEX, lossOn: "all" });
    // every round of each phase, by kernel name; a round of ≥ 2 jobs is a call split across threads
    const phases: Record<string, string[][]> = { forward: [], backward: [], step: [] };
    let phase = "forward";
    optimizer.zeroGrad();
    profileRounds((names) => void phases[phase]!.push([...names]));
    try {
      const loss = crossEntropyLoss(model.logits(batch.inputs, batch.batchSize, batch.seqLen, batch.paddingMask), batch.targets, { ignoreIndex: IGNORE_INDEX });
      phase = "backward";
      loss.backward();
      phase = "step";
      optimizer.step();
    } finally {
      profileRounds(null);
    }
    const split = (p: string): string[][] => phases[p]!.filter((names) => names.length >= 2);
    expect(split("forward").length, "split rounds in the forward").toBeGreaterThan(0);
    expect(split("backward").some((names) => names.some((n) => n.startsWith("gemm.") || n.startsWith("gemv."))), "a split product in the backward").toBe(true);
    expect(split("step").some((names) => names.every((n) => n === "adam.adamSteps")), "Adam's update of every parameter as one split round").toBe(true);
  });

  it("default Llama, batch 4 with clipping: same at 1, 2 and 3 threads", () => {
    const make = (): TinyLlama =>
      new TinyLlama(tinyLlamaConfig({ vocabSize: VOCAB, hiddenSize: 64, intermediateSize: 192, numLayers: 2, numHeads: 4, maxSeqLen: 40 }), ParamSource.init(5));
    const batches = [examples(4, 24, 3), examples(4, 17, 4)];
    expectSameAtEveryThreadCount(make, batches, 1);
  });
});
