/**
 * rope_scaling "linear" (Llama 2 long-context fine-tunes) and "yarn" (Qwen2.5 / Qwen3 long-context
 * configs): the config parser reads both forms (rope_scaling, rope_parameters) and still refuses
 * every kind and option it does not implement, naming field and value; a synthesized model with
 * each scaling equals the float64 reference forward (model.reference.ts, which writes the scalings
 * from the formulas) at positions past original_max_position_embeddings, where the scaling matters.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadModelDir, type LoadedModelDir } from "../../src/loaders/index.js";
import { llamaForwardReference, parseLlamaConfig, parseRopeScaling, type YarnRopeScaling } from "../../src/models/llama/index.js";
import { synthesizeModelDir } from "../../src/synth.js";
import { argmax, fileWeights, makeTempDir, maxAbsDiff, removeDir } from "../llama-helpers.js";
import { LLAMA3_CONFIG, QWEN2_CONFIG } from "./family-configs.js";

const parse = (v: unknown, max?: number) => parseRopeScaling(v, "rope_scaling", "c.json", max);

describe("parsing linear and yarn rope scaling", () => {
  it("linear: the factor", () => {
    expect(parse({ type: "linear", factor: 4.0 })).toEqual({ type: "linear", factor: 4 });
    expect(() => parse({ rope_type: "linear" })).toThrow('c.json: field "rope_scaling": linear scaling needs "factor" as a positive number, got null');
  });

  it("yarn: transformers' defaults (beta 32/1, truncate, 0.1·ln(factor) + 1, original = max_position_embeddings)", () => {
    expect(parse({ rope_type: "yarn", factor: 4.0, original_max_position_embeddings: 32768 })).toEqual({
      type: "yarn", factor: 4, originalMaxPositionEmbeddings: 32768, betaFast: 32, betaSlow: 1, truncate: true, attentionFactor: 0.1 * Math.log(4) + 1,
    });
    expect(parse({ type: "yarn", factor: 2 }, 4096)).toMatchObject({ originalMaxPositionEmbeddings: 4096, attentionFactor: 0.1 * Math.log(2) + 1 });
    expect(() => parse({ type: "yarn", factor: 2 })).toThrow('yarn scaling needs "original_max_position_embeddings"');
    // transformers v5: without a factor, max_position_embeddings / original_max_position_embeddings
    expect(parse({ type: "yarn", original_max_position_embeddings: 4096 }, 163840)).toMatchObject({ factor: 40, originalMaxPositionEmbeddings: 4096 });
    expect(() => parse({ type: "yarn", original_max_position_embeddings: 4096 })).toThrow('yarn scaling needs "factor" as a positive number, got null');
  });

  it("yarn: attention_factor, else mscale / mscale_all_dim, else the default; beta_fast, beta_slow, truncate", () => {
    const y = (o: object) => parse({ rope_type: "yarn", factor: 40, original_max_position_embeddings: 4096, ...o });
    expect(y({ attention_factor: 1.5 })).toMatchObject({ attentionFactor: 1.5 });
    expect(y({ mscale: 0.75, mscale_all_dim: 0.75 })).toMatchObject({ attentionFactor: 1 });
    expect((y({ mscale: 1, mscale_all_dim: 0.5 }) as YarnRopeScaling).attentionFactor).toBeCloseTo((0.1 * Math.log(40) + 1) / (0.05 * Math.log(40) + 1), 14);
    expect(y({ mscale: 1 })).toMatchObject({ attentionFactor: 0.1 * Math.log(40) + 1 }); // only one of the two: the default
    expect(y({ beta_fast: 16, beta_slow: 2, truncate: false })).toMatchObject({ betaFast: 16, betaSlow: 2, truncate: false });
    expect(y({ beta_fast: 0 })).toMatchObject({ betaFast: 32 }); // transformers' `or 32`
  });

  it("refuses other kinds and the options it does not read, naming field and value", () => {
    expect(() => parse({ rope_type: "dynamic", factor: 2 })).toThrow('c.json: field "rope_scaling": rope_type "dynamic" is not supported; supported: "default", "llama3", "linear", "yarn"');
    expect(() => parse({ rope_type: "longrope", short_factor: [1], long_factor: [2] })).toThrow('rope_type "longrope" is not supported');
    expect(() => parse({ rope_type: "yarn", factor: 16, original_max_position_embeddings: 16384, llama_4_scaling_beta: 0.1 })).toThrow(
      'c.json: field "rope_scaling": yarn scaling option "llama_4_scaling_beta" (0.1) is not supported',
    );
    expect(() => parse({ rope_type: "linear", factor: 2, original_max_position_embeddings: 4096 })).toThrow('linear scaling option "original_max_position_embeddings" (4096) is not supported');
    expect(() => parse({ rope_type: "yarn", factor: 4, original_max_position_embeddings: 32768, truncate: "no" })).toThrow('yarn scaling needs "truncate" as a boolean, got "no"');
    expect(() => parse({ rope_type: "yarn", factor: -4, original_max_position_embeddings: 32768 })).toThrow('yarn scaling needs "factor" as a positive number, got -4');
  });

  it("reads rope_parameters (transformers v5) the same, and refuses there too", () => {
    const { rope_scaling: _, ...rest } = QWEN2_CONFIG as typeof QWEN2_CONFIG & { rope_scaling?: unknown };
    const c = parseLlamaConfig({ ...rest, rope_parameters: { rope_type: "yarn", rope_theta: 1e6, factor: 4.0, original_max_position_embeddings: 64 } });
    expect([c.ropeTheta, c.ropeScaling]).toEqual([1e6, parse({ rope_type: "yarn", factor: 4, original_max_position_embeddings: 64 })]);
    expect(() => parseLlamaConfig({ ...rest, rope_parameters: { rope_type: "dynamic", rope_theta: 1e6, factor: 4.0 } })).toThrow('field "rope_parameters": rope_type "dynamic" is not supported');
    expect(() => parseLlamaConfig({ ...rest, rope_parameters: { rope_type: "yarn", rope_theta: 1e6, factor: 4.0, mscale: 1, foo: 2 } })).toThrow('field "rope_parameters": yarn scaling option "foo" (2) is not supported');
  });
});

/**
 * Llama with linear ×4; Qwen2 (q/k/v biases) with yarn ×4 over an original context of 24, θ 10000,
 * head_dim 16, beta_fast 2: pair 0 kept, pair 1 blended, pairs 2… interpolated; cos/sin × 1.139.
 */
const SCALED = [
  { name: "linear", config: { ...LLAMA3_CONFIG, rope_theta: 10000, rope_scaling: { type: "linear", factor: 4.0 } } },
  { name: "yarn", config: { ...QWEN2_CONFIG, use_sliding_window: false, rope_theta: 10000, rope_scaling: { type: "yarn", factor: 4.0, original_max_position_embeddings: 24, beta_fast: 2.0 } } },
];
const ORIGINAL = 24;
const PROMPT = Array.from({ length: 40 }, (_, i) => (i * 37 + 11) % 97);

let tmp: string;
const loaded = new Map<string, { dir: string; m: LoadedModelDir }>();
beforeAll(async () => {
  tmp = makeTempDir("rope-scaled");
  for (const { name, config } of SCALED) {
    const dir = synthesizeModelDir({ config, outDir: join(tmp, name), seed: 5, std: 0.2, normStd: 0.3 });
    loaded.set(name, { dir, m: await loadModelDir(dir) });
  }
});
afterAll(() => {
  for (const { m } of loaded.values()) m.model.dispose();
  removeDir(tmp);
});

/** max |a − b| over max(1, max |b|) of rows [from, n) of [n, V] logits. */
function relDiffRows(a: ArrayLike<number>, b: ArrayLike<number>, V: number, from: number, n: number): number {
  let scale = 1;
  for (let i = from * V; i < n * V; i++) scale = Math.max(scale, Math.abs(b[i]!));
  return maxAbsDiff(a, b, from * V, from * V, (n - from) * V) / scale;
}

describe.each(SCALED.map((s) => s.name))("%s-scaled model", (name) => {
  it(`logits at positions ${ORIGINAL}…${PROMPT.length - 1} within 1e-4 of the float64 reference, which differs from plain RoPE's there`, () => {
    const { dir, m } = loaded.get(name)!;
    const V = m.config.vocabSize;
    const ref = llamaForwardReference(m.config, fileWeights(dir), PROMPT);
    const got = m.model.forward(PROMPT, m.model.newCache(), { allLogits: true });
    const d = relDiffRows(got, ref, V, 0, PROMPT.length);
    const plain = llamaForwardReference({ ...m.config, ropeScaling: null }, fileWeights(dir), PROMPT);
    const scalingMatters = relDiffRows(plain, ref, V, ORIGINAL, PROMPT.length);
    console.log(`${name}: all logits vs float64 reference, relative max |Δ| = ${d.toExponential(2)}; plain RoPE vs scaled past the original context ${scalingMatters.toExponential(2)}`);
    expect(d).toBeLessThanOrEqual(1e-4);
    expect(scalingMatters).toBeGreaterThan(1e-2);
  });

  it("8 greedy tokens through the KV cache equal the reference's", () => {
    const { dir, m } = loaded.get(name)!;
    const V = m.config.vocabSize;
    const weights = fileWeights(dir);
    const cache = m.model.newCache();
    let logits = m.model.forward(PROMPT, cache);
    const ids: number[] = [];
    for (let s = 0; s < 8; s++) {
      ids.push(argmax(logits));
      logits = m.model.forward([ids[s]!], cache);
    }
    const refIds: number[] = [];
    for (let s = 0; s < 8; s++) {
      const seq = [...PROMPT, ...refIds];
      refIds.push(argmax(llamaForwardReference(m.config, weights, seq), (seq.length - 1) * V, V));
    }
    expect(ids).toEqual(refIds);
  });
});
