/**
 * One RustGPT epoch, timed: the `--preset rustgpt` model built from @mini/nn layers, batch 1, one
 * sequence per step (forward + cross-entropy + backward + Adam), over sequences with the lengths of
 * RustGPT's own data, compared with RustGPT's native Rust timings.
 *
 *   npx tsx --conditions=@mini/source packages/nn/bench/rustgpt-epoch.ts [--epochs 20] [--clip 5] [--phase pretraining|instruction] [--data DIR]
 *   MINI_NO_WASM=1 npx tsx --conditions=@mini/source packages/nn/bench/rustgpt-epoch.ts    (JS kernels only)
 *
 * The model (RustGPT's, 493,973 parameters at vocab 533): token embedding + learned positions
 * (max 80), 3 post-LayerNorm blocks (LayerNorm divides by σ + 1e-5, `epsPlacement: "outside"`),
 * single-head causal attention without output projection, ReLU FFN 128 → 256 → 128 with biases,
 * output Linear with bias to the vocabulary. Built here from nn layers (nn must not import llm).
 *
 * Data: nothing is tokenized for training. Each text of RustGPT's pretraining_data.json and
 * chat_training_data.json is counted with RustGPT's tokenizer rule (split on whitespace, every ASCII
 * punctuation character its own token, `</s>` whole); a sequence of n tokens gives one step on
 * n − 1 inputs and n − 1 shifted targets (as RustGPT trains), with seeded random ids.
 *
 * RustGPT reference (native Rust, same machine class): 0.047 s per pretraining epoch, 0.147 s per
 * instruction-tuning epoch. The machine these run on is shared and noisy, so every step is timed
 * and the table sums, over the steps of an epoch, each step's fastest time across --epochs epochs
 * (after 2 warm-up epochs); the fastest whole epoch is shown beside it.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, resolve } from "node:path";
import type { Variable } from "@mini/autograd";
import { createRng } from "@mini/tensor";
import {
  Adam,
  Embedding,
  Linear,
  Module,
  ParamSource,
  PositionalEmbedding,
  TransformerBlock,
  clipGradNorm,
  crossEntropyLoss,
  init,
} from "../src/index.js";

const VOCAB = 533;
const D = 128;
const HIDDEN = 256;
const MAX_LEN = 80;
const LAYERS = 3;
const RUSTGPT_SECONDS = { pretraining: 0.047, instruction: 0.147 };

/** RustGPT's model, as llm's `--preset rustgpt` builds it (same layer options, same init). */
class RustGptLike extends Module {
  readonly tokenEmbedding: Embedding;
  readonly positionEmbedding: PositionalEmbedding;
  readonly blocks: TransformerBlock[];
  readonly output: Linear;

  constructor(ps: ParamSource) {
    super();
    this.tokenEmbedding = new Embedding(ps.pp("token_embedding"), VOCAB, D, { init: init.normal(0.02) });
    this.positionEmbedding = new PositionalEmbedding(ps.pp("position_embedding"), MAX_LEN, D, { init: init.normal(0.02) });
    this.blocks = Array.from(
      { length: LAYERS },
      (_, l) =>
        new TransformerBlock(ps.pp("blocks").pp(l), {
          dModel: D,
          nHeads: 1,
          outputProjection: false,
          rope: null,
          ffnHidden: HIDDEN,
          ffnKind: "relu",
          ffnBias: true,
          norm: { kind: "layer", eps: 1e-5, epsPlacement: "outside" },
          normPlacement: "post",
          names: { attn: "attention", mlp: "feed_forward", norm1: "norm1", norm2: "norm2" },
          init: init.normal(Math.sqrt(2 / D)),
        }),
    );
    this.output = new Linear(ps.pp("output"), D, VOCAB, { bias: true, init: init.normal(Math.sqrt(2 / D)), biasInit: init.zeros() });
  }

  /** ids [T] → logits [1, T, vocab] */
  logits(ids: Int32Array): Variable {
    let x = this.positionEmbedding.forward(this.tokenEmbedding.forward(ids, [1, ids.length]));
    for (const b of this.blocks) x = b.forward(x);
    return this.output.forward(x);
  }
}

/** RustGPT's tokenizer rule, for counting: whitespace words, each ASCII punctuation char its own token, "</s>" whole. */
function countTokens(text: string): number {
  let n = 0;
  for (const word of text.split(/\s+/).filter((w) => w.length > 0)) {
    if (word === "</s>") {
      n++;
      continue;
    }
    let inWord = false;
    for (const ch of word) {
      if (/[!-/:-@[-`{-~]/.test(ch)) {
        n += inWord ? 2 : 1;
        inWord = false;
      } else inWord = true;
    }
    if (inWord) n++;
  }
  return n;
}

/** RustGPT's data: --data DIR, default /work/shared/data/rustgpt as seen from this checkout (packages/nn/bench). */
function dataDir(): string {
  const i = process.argv.indexOf("--data");
  return i >= 0 ? resolve(process.argv[i + 1]!) : resolve(dirname(fileURLToPath(import.meta.url)), "../../../../shared/data/rustgpt");
}

function sequenceLengths(file: string): number[] {
  const path = resolve(dataDir(), file);
  const texts = JSON.parse(readFileSync(path, "utf8")) as string[];
  return texts.map(countTokens);
}

interface Phase {
  name: "pretraining" | "instruction";
  /** One (inputs, targets) pair per step, inputs of length n − 1. */
  steps: { ids: Int32Array; targets: Int32Array }[];
  lr: number;
}

function makePhase(name: Phase["name"], file: string, lr: number, seed: number): Phase {
  const rng = createRng(seed);
  const steps = sequenceLengths(file).map((n) => {
    const tokens = Int32Array.from({ length: Math.min(n, MAX_LEN + 1) }, () => rng.int(VOCAB));
    return { ids: tokens.subarray(0, tokens.length - 1), targets: tokens.subarray(1) };
  });
  return { name, steps, lr };
}

/** Milliseconds of each step of one epoch, by part. */
interface EpochTiming {
  seconds: number;
  forward: number[];
  backward: number[];
  optimizer: number[];
}

function runEpoch(model: RustGptLike, opt: Adam, phase: Phase, clip: number): EpochTiming {
  const t: EpochTiming = { seconds: 0, forward: [], backward: [], optimizer: [] };
  const start = performance.now();
  for (const s of phase.steps) {
    const t0 = performance.now();
    opt.zeroGrad();
    const loss = crossEntropyLoss(model.logits(s.ids), s.targets);
    const t1 = performance.now();
    loss.backward();
    const t2 = performance.now();
    if (clip > 0) clipGradNorm(opt.params, clip);
    opt.step();
    const t3 = performance.now();
    t.forward.push(t1 - t0);
    t.backward.push(t2 - t1);
    t.optimizer.push(t3 - t2);
  }
  t.seconds = (performance.now() - start) / 1000;
  return t;
}

/** Σ over steps of each step's fastest time across the epochs (robust to bursts of load on a shared machine). */
function sumOfMins(runs: EpochTiming[], part: "forward" | "backward" | "optimizer"): number {
  let total = 0;
  for (let i = 0; i < runs[0]![part].length; i++) total += Math.min(...runs.map((r) => r[part][i]!));
  return total;
}

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const epochs = arg("--epochs", 20);
const clip = arg("--clip", 0);
const model = new RustGptLike(ParamSource.init(42));
const phases = [
  makePhase("pretraining", "pretraining_data.json", 5e-4, 1),
  makePhase("instruction", "chat_training_data.json", 1e-4, 2),
];

const kernelsName = process.env["MINI_NO_WASM"] === "1" ? "JS (MINI_NO_WASM=1)" : "default (WASM SIMD)";
console.log(`RustGPT preset: ${model.numParameters()} parameters, batch 1, kernels ${kernelsName}, clip ${clip || "off"}, node ${process.version}`);
console.log(`${epochs} epochs per phase after 2 warm-up epochs; per step, the fastest of the ${epochs} epochs (sum = "s/epoch");`);
console.log(`"best epoch" = the fastest whole epoch\n`);
console.log("| phase | steps | mean tokens | forward ms/step | backward ms/step | Adam ms/step | ms/step | s/epoch | best epoch s | RustGPT s/epoch | ratio |");
console.log("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
const only = process.argv.includes("--phase") ? process.argv[process.argv.indexOf("--phase") + 1] : undefined;
for (const phase of phases.filter((p) => only === undefined || p.name === only)) {
  const opt = new Adam(model.parameters(), { lr: phase.lr });
  for (let e = 0; e < 2; e++) runEpoch(model, opt, phase, clip);
  const runs = Array.from({ length: epochs }, () => runEpoch(model, opt, phase, clip));
  const bestEpoch = Math.min(...runs.map((r) => r.seconds));
  const [fwd, bwd, adam] = [sumOfMins(runs, "forward"), sumOfMins(runs, "backward"), sumOfMins(runs, "optimizer")];
  const seconds = (fwd + bwd + adam) / 1000;
  const n = phase.steps.length;
  const meanTokens = phase.steps.reduce((a, s) => a + s.ids.length, 0) / n;
  const ref = RUSTGPT_SECONDS[phase.name];
  const f = (ms: number) => (ms / n).toFixed(2);
  console.log(
    `| ${phase.name} | ${n} | ${meanTokens.toFixed(1)} | ${f(fwd)} | ${f(bwd)} | ${f(adam)} | ${f(seconds * 1000)} | ${seconds.toFixed(3)} | ${bestEpoch.toFixed(3)} | ${ref} | ${(seconds / ref).toFixed(2)}× |`,
  );
}
