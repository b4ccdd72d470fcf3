import { bench, describe } from "vitest";
import { createRng } from "@mini/tensor";
import { Sampler } from "../src/sampling/index.js";

// One sampling step over a 32k vocabulary (Mistral-sized), logits ~ N(0, 3²).
const VOCAB = 32_000;
const rng = createRng(0);
const logits = new Float32Array(VOCAB);
for (let i = 0; i < VOCAB; i++) logits[i] = rng.normal() * 3;
const history = Array.from({ length: 256 }, (_, i) => (i * 97) % VOCAB);

describe(`sample one token, vocab ${VOCAB}`, () => {
  const cases: [string, ConstructorParameters<typeof Sampler>[0]][] = [
    ["greedy (temperature 0)", { temperature: 0 }],
    ["temperature 0.8 (full softmax)", { temperature: 0.8 }],
    ["top-k 40", { temperature: 0.8, topK: 40 }],
    ["top-p 0.95 (pre-filter + sort)", { temperature: 0.8, topP: 0.95 }],
    ["top-k 40 + top-p 0.95 (CLI default)", { temperature: 0.8, topK: 40, topP: 0.95 }],
    ["top-k 40 + top-p 0.95 + repetition penalty 1.1", { temperature: 0.8, topK: 40, topP: 0.95, repetitionPenalty: 1.1 }],
  ];
  for (const [name, opts] of cases) {
    const s = new Sampler({ seed: 1, ...opts });
    bench(name, () => {
      s.sample(logits, history);
    });
  }
});
