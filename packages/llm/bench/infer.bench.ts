/**
 * vitest bench of the inference Llama on the story model (the quick one; apps/llama-infer/bench/infer.ts is the
 * full table with the 32M model, RSS and the transformers.js anchors).
 */
import { bench, describe } from "vitest";
import { loadModelDir } from "../src/loaders/index.js";
import { fileURLToPath } from "node:url";
// ../shared beside the checkout (override with MINI_SHARED).
const SHARED = process.env["MINI_SHARED"] ?? fileURLToPath(new URL("../../../../shared", import.meta.url));

const { model, config } = await loadModelDir(`${SHARED}/models/story`);
const prompt = Array.from({ length: 128 }, (_, i) => 3 + ((i * 7) % (config.vocabSize - 3)));
const cache = model.newCache();

describe("story model (0.66M params)", () => {
  bench("prefill 128 tokens (last logits)", () => {
    cache.clear();
    model.forward(prompt, cache);
  });

  bench("decode 64 tokens after a 128-token prompt", () => {
    cache.truncate(Math.min(cache.position, 128));
    if (cache.position < 128) {
      cache.clear();
      model.forward(prompt, cache);
    }
    let next = 1;
    for (let i = 0; i < 64; i++) {
      const logits = model.forward([next], cache);
      next = 0;
      for (let j = 1; j < logits.length; j++) if (logits[j]! > logits[next]!) next = j;
    }
  });
});
