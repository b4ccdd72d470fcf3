/**
 * Golden tests of the inference Llama against shared/reference/story (a float64 PyTorch HF-Llama
 * forward, cross-checked with llama2.c; see its README): last-position logits within 1e-4, the
 * argmax at every prompt position, and 60 greedy tokens decoded one at a time with the KV cache.
 * Prompt ids come from the fixtures (tokenization is tested by the tokenizer's own tests).
 *
 * The same runs on the weights rewritten as F16 and BF16. The story model's weights all happen
 * to be exactly representable in bfloat16 (checked below), so both conversions are lossless and
 * the same 1e-4 tolerance holds; the lossy case (random weights that are not) is checked on a
 * synthesized model against its own F32 logits with a looser, stated tolerance.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { readSafetensors } from "@mini/tensor";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadModelDir, type LoadedModelDir } from "../src/loaders/index.js";
import { synthesizeModelDir } from "../src/synth.js";
import { argmax, convertModelDir, makeTempDir, maxAbsDiff, removeDir, STORY_DIR, storyFixtures } from "./llama-helpers.js";

const LOGIT_TOL = 1e-4;
const fixtures = storyFixtures();

/** Runs every fixture through `loaded`: returns the worst last-logit difference seen. */
function checkFixtures(loaded: LoadedModelDir): number {
  const { model, config } = loaded;
  const V = config.vocabSize;
  let worst = 0;
  for (const { name, fx } of fixtures) {
    const n = fx.prompt_ids.length;
    const cache = model.newCache();
    const all = model.forward(fx.prompt_ids, cache, { allLogits: true });
    expect(all.length, name).toBe(n * V);
    const diff = maxAbsDiff(all, fx.last_logits, (n - 1) * V, 0, V);
    worst = Math.max(worst, diff);
    expect(diff, `${name}: max |logit − ref| at the last position`).toBeLessThanOrEqual(LOGIT_TOL);
    const perPosition = Array.from({ length: n }, (_, t) => argmax(all, t * V, V));
    expect(perPosition, `${name}: argmax per position`).toEqual(fx.argmax_per_position);

    // Greedy decode, one token at a time through the cache.
    let logits: Float32Array = all.slice((n - 1) * V);
    const ids: number[] = [];
    for (let s = 0; s < fx.greedy.ids.length; s++) {
      const next = argmax(logits);
      ids.push(next);
      logits = model.forward([next], cache);
    }
    expect(ids, `${name}: greedy ids`).toEqual(fx.greedy.ids);
    expect(cache.position).toBe(n + fx.greedy.ids.length);
  }
  return worst;
}

describe("story model (F32) against the float64 reference", () => {
  it("matches last logits, per-position argmax and greedy ids of every fixture", async () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(4);
    const loaded = await loadModelDir(STORY_DIR);
    const worst = checkFixtures(loaded);
    console.log(`story F32: max |logit − ref| over fixtures = ${worst.toExponential(3)}`);
    // The last-position logits of a plain forward equal the allLogits row.
    const { fx } = fixtures[0]!;
    const last = loaded.model.forward(fx.prompt_ids, loaded.model.newCache());
    expect(maxAbsDiff(last, fx.last_logits)).toBeLessThanOrEqual(LOGIT_TOL);
    loaded.model.dispose();
  });
});

describe.each(["F16", "BF16"] as const)("story model converted to %s", (dtype) => {
  let dir: string;
  beforeAll(() => {
    dir = makeTempDir(`story-${dtype}`);
    convertModelDir(STORY_DIR, dir, dtype);
  });
  afterAll(() => removeDir(dir));

  it("stores the weights as that dtype, losslessly (the story weights are bfloat16-exact)", () => {
    const orig = readSafetensors(join(STORY_DIR, "model.safetensors"));
    const conv = readSafetensors(join(dir, "model.safetensors"));
    expect(conv.names()).toEqual(orig.names());
    expect(conv.metadata).toEqual(orig.metadata); // keeps the tied-embedding alias
    for (const name of conv.names()) {
      expect(conv.info(name).dtype).toBe(dtype);
      expect(maxAbsDiff(conv.get(name).data, orig.get(name).data), name).toBe(0);
    }
  });

  it("matches the reference with the same tolerance", async () => {
    const loaded = await loadModelDir(dir);
    const worst = checkFixtures(loaded);
    console.log(`story ${dtype}: max |logit − ref| over fixtures = ${worst.toExponential(3)}`);
    loaded.model.dispose();
  });
});

describe("lossy F16/BF16 weights (synthesized model)", () => {
  // std 0.1 random weights are not representable in 16 bits: these conversions round.
  const config = JSON.parse(readFileSync(join(STORY_DIR, "config.json"), "utf8")) as Record<string, unknown>;
  // Relative to the largest |logit|: f16 keeps 11 significant bits, bf16 8.
  const relTol = { F16: 3e-3, BF16: 2.5e-2 } as const;
  let root: string;
  beforeAll(() => {
    root = makeTempDir("lossy");
  });
  afterAll(() => removeDir(root));

  it("F16 and BF16 logits stay within a stated tolerance of the F32 logits", async () => {
    const tokens = [1, 80, 147, 201, 282, 215, 286, 64, 207, 161, 12, 99];
    const logitsOf = async (dtype: "F32" | "F16" | "BF16"): Promise<Float32Array> => {
      const dir = synthesizeModelDir({ config, outDir: join(root, dtype), seed: 7, std: 0.1, dtype });
      const { model } = await loadModelDir(dir);
      const out = model.forward(tokens, model.newCache(), { allLogits: true });
      model.dispose();
      return out;
    };
    const f32 = await logitsOf("F32");
    let scale = 0;
    for (const v of f32) scale = Math.max(scale, Math.abs(v));
    for (const dtype of ["F16", "BF16"] as const) {
      const d = maxAbsDiff(await logitsOf(dtype), f32);
      console.log(`synthetic ${dtype} vs F32: max |Δlogit| = ${d.toExponential(3)} (max |logit| ${scale.toFixed(3)})`);
      expect(d).toBeGreaterThan(0); // the conversion really rounded
      expect(d).toBeLessThanOrEqual(relTol[dtype] * scale);
    }
  });
});
