/**
 * The model directory loader: configs it must refuse (naming the field and file), weights it must
 * refuse (naming the tensor and file, with both shapes), sharded checkpoints, aliases/tied
 * embeddings, and the eos/bos ids it reports.
 */
import { copyFileSync, mkdirSync, readFileSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { readSafetensors, writeSafetensors } from "@mini/tensor";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadModelDir, ModelLoadError } from "../src/loaders/index.js";
import { parseLlamaConfig } from "../src/models/llama/index.js";
import { synthesizeModelDir } from "../src/synth.js";
import { makeTempDir, maxAbsDiff, removeDir } from "./llama-helpers.js";

const BASE = {
  architectures: ["LlamaForCausalLM"],
  model_type: "llama",
  hidden_size: 32,
  intermediate_size: 48,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  vocab_size: 50,
  max_position_embeddings: 32,
  rms_norm_eps: 1e-6,
  bos_token_id: 1,
  eos_token_id: 2,
  tie_word_embeddings: false,
};

let root: string;
let count = 0;
/** A fresh synthesized model dir (optionally with a config override) under the temp root. */
function makeDir(config: Record<string, unknown> = BASE): string {
  return synthesizeModelDir({ config, outDir: join(root, `m${count++}`), seed: 1, std: 0.1 });
}
/** Rewrites dir/model.safetensors with `edit` applied to its [name, shape, values] list. */
function rewriteWeights(dir: string, edit: (e: { name: string; shape: number[]; data: Float32Array }[]) => typeof e, metadata?: Record<string, string>): void {
  const file = readSafetensors(join(dir, "model.safetensors"));
  const entries = edit(file.names().map((name) => ({ name, shape: file.info(name).shape, data: file.get(name).data })));
  writeSafetensors(join(dir, "model.safetensors"), entries.map((e) => ({ name: e.name, shape: e.shape, values: () => e.data })), metadata);
}
async function loadError(dir: string): Promise<ModelLoadError> {
  const err = await loadModelDir(dir).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ModelLoadError);
  return err as ModelLoadError;
}

beforeAll(() => {
  root = makeTempDir("loader");
});
afterAll(() => removeDir(root));

describe("directory and config errors", () => {
  it("missing directory, file instead of directory, missing or invalid config.json", async () => {
    expect((await loadError(join(root, "nope"))).message).toMatch(/nope: model directory does not exist/);
    const dir = makeDir();
    expect((await loadError(join(dir, "config.json"))).message).toMatch(/config\.json: not a directory/);
    const empty = join(root, "empty");
    mkdirSync(empty);
    expect((await loadError(empty)).message).toMatch(/empty\/config\.json: missing/);
    writeFileSync(join(empty, "config.json"), "{ not json");
    expect((await loadError(empty)).message).toMatch(/config\.json: not valid JSON/);
  });

  it.each([
    [{ architectures: ["GPT2LMHeadModel"] }, /config\.json: field "architectures": unsupported architecture "GPT2LMHeadModel"/],
    [{ model_type: "gemma" }, /config\.json: field "model_type": unsupported model type "gemma"/],
    [{ model_type: undefined }, /config\.json: field "model_type": missing \(is this a model's config\.json\?\); expected one of "llama", /],
    [{ model_type: "qwen2" }, /config\.json: field "architectures": "LlamaForCausalLM" is a llama model but model_type is "qwen2"/],
    [{ rope_scaling: { type: "dynamic", factor: 2 } }, /config\.json: field "rope_scaling": rope_type "dynamic" is not supported/],
    [{ model_type: "mistral", attention_bias: true }, /field "attention_bias": mistral has no attention biases/],
    [{ mlp_bias: true }, /field "mlp_bias": MLP biases are not supported/],
    [{ hidden_act: "gelu" }, /field "hidden_act": only "silu" is supported, got "gelu"/],
    [{ num_key_value_heads: 3 }, /field "num_key_value_heads": must divide num_attention_heads \(4\), got 3/],
    [{ hidden_size: undefined }, /field "hidden_size": missing/],
    [{ eos_token_id: "x" }, /field "eos_token_id": expected a token id or an array/],
  ])("refuses %j naming the field and file", async (override, message) => {
    const dir = makeDir();
    writeFileSync(join(dir, "config.json"), JSON.stringify({ ...BASE, ...override }));
    const err = await loadError(dir);
    expect(err.message).toMatch(message);
    expect(err.file).toBe(join(dir, "config.json"));
  });

  it("applies the documented defaults", () => {
    const c = parseLlamaConfig({ ...BASE, num_key_value_heads: undefined, rope_theta: undefined, tie_word_embeddings: undefined });
    expect(c.numKvHeads).toBe(4);
    expect(c.headDim).toBe(8);
    expect(c.ropeTheta).toBe(10000);
    expect(c.tieWordEmbeddings).toBe(false);
    expect(c.slidingWindow).toBeNull();
    const m = parseLlamaConfig({ ...BASE, model_type: "mistral", architectures: ["MistralForCausalLM"], head_dim: 16, sliding_window: 4, eos_token_id: [2, 3] });
    expect(m.headDim).toBe(16);
    expect(m.slidingWindow).toBe(4);
    expect(m.eosTokenIds).toEqual([2, 3]);
    expect(parseLlamaConfig({ ...BASE, model_type: "mistral", sliding_window: null }).slidingWindow).toBeNull();
    // {"rope_type": "default"} is plain RoPE; anything else with a factor is refused.
    expect(parseLlamaConfig({ ...BASE, rope_scaling: { rope_type: "default" } }).ropeTheta).toBe(10000);
    expect(() => parseLlamaConfig({ ...BASE, rope_scaling: { rope_type: "llama3", factor: 8 } })).toThrow(/field "rope_scaling"/);
  });
});

describe("weight errors", () => {
  it("no weights file", async () => {
    const dir = makeDir();
    rewriteWeights(dir, (e) => e);
    const bare = join(root, "bare");
    mkdirSync(bare);
    copyFileSync(join(dir, "config.json"), join(bare, "config.json"));
    expect((await loadError(bare)).message).toMatch(/no weights: neither model\.safetensors nor model\.safetensors\.index\.json exists/);
  });

  it("missing tensor names the tensor and the file", async () => {
    const dir = makeDir();
    rewriteWeights(dir, (e) => e.filter((t) => t.name !== "model.layers.1.mlp.up_proj.weight"));
    const err = await loadError(dir);
    expect(err.message).toBe(`${join(dir, "model.safetensors")}: tensor "model.layers.1.mlp.up_proj.weight": missing`);
  });

  it("untied model without lm_head.weight says why it is needed", async () => {
    const dir = makeDir();
    rewriteWeights(dir, (e) => e.filter((t) => t.name !== "lm_head.weight"));
    expect((await loadError(dir)).message).toMatch(/tensor "lm_head\.weight": missing \(config\.json has tie_word_embeddings: false/);
  });

  it("wrong shape names the tensor, expected and got shapes", async () => {
    const dir = makeDir();
    rewriteWeights(dir, (e) =>
      e.map((t) => (t.name === "model.layers.0.self_attn.k_proj.weight" ? { name: t.name, shape: [24, 32], data: new Float32Array(24 * 32) } : t)),
    );
    const err = await loadError(dir);
    expect(err.message).toMatch(/model\.safetensors: tensor "model\.layers\.0\.self_attn\.k_proj\.weight": expected shape \[16, 32\], got \[24, 32\]/);
  });

  it("a tensor the architecture does not use (a bias) is refused, not ignored", async () => {
    const dir = makeDir();
    rewriteWeights(dir, (e) => [...e, { name: "model.layers.0.self_attn.q_proj.bias", shape: [32], data: new Float32Array(32) }]);
    const err = await loadError(dir);
    expect(err.message).toMatch(/model\.safetensors: tensor "model\.layers\.0\.self_attn\.q_proj\.bias": not part of a \w+ model with this config\.json/);
  });

  it("RoPE frequency buffers stored by some checkpoints are ignored (they are recomputed)", async () => {
    const dir = makeDir();
    rewriteWeights(dir, (e) => [...e, { name: "model.layers.0.self_attn.rotary_emb.inv_freq", shape: [4], data: new Float32Array(4) }]);
    await expect(loadModelDir(dir)).resolves.toBeDefined();
  });

  it("truncated safetensors names the file", async () => {
    const dir = makeDir();
    const path = join(dir, "model.safetensors");
    truncateSync(path, readFileSync(path).length - 100);
    const err = await loadError(dir);
    console.log(`truncated file: ${err.message}`);
    expect(err.file).toBe(path);
    expect(err.message).toContain(path);
  });
});

describe("weights layouts", () => {
  const tokens = [1, 5, 9, 33, 2, 7];

  it("sharded checkpoints (index + shards) load the same model", async () => {
    const dir = makeDir();
    const single = await loadModelDir(dir);
    const want = single.model.forward(tokens, single.model.newCache(), { allLogits: true });
    const file = readSafetensors(join(dir, "model.safetensors"));
    const names = file.names();
    const shards = [names.slice(0, 7), names.slice(7)];
    const weightMap: Record<string, string> = {};
    const sharded = join(root, "sharded");
    mkdirSync(sharded);
    copyFileSync(join(dir, "config.json"), join(sharded, "config.json"));
    shards.forEach((part, i) => {
      const shardName = `model-0000${i + 1}-of-00002.safetensors`;
      for (const n of part) weightMap[n] = shardName;
      writeSafetensors(join(sharded, shardName), part.map((name) => ({ name, shape: file.info(name).shape, values: () => file.get(name).data })));
    });
    writeFileSync(join(sharded, "model.safetensors.index.json"), JSON.stringify({ metadata: {}, weight_map: weightMap }));
    const loaded = await loadModelDir(sharded);
    expect(maxAbsDiff(loaded.model.forward(tokens, loaded.model.newCache(), { allLogits: true }), want)).toBe(0);

    // A weight_map entry pointing to the wrong shard is named.
    const moved = names[0]!;
    writeFileSync(join(sharded, "model.safetensors.index.json"), JSON.stringify({ weight_map: { ...weightMap, [moved]: "model-00002-of-00002.safetensors" } }));
    expect((await loadError(sharded)).message).toMatch(new RegExp(`model-00002-of-00002\\.safetensors: tensor "${moved.replace(/\./g, "\\.")}": missing`));
    writeFileSync(join(sharded, "model.safetensors.index.json"), JSON.stringify({ weight_map: { ...weightMap, [moved]: "gone.safetensors" } }));
    expect((await loadError(sharded)).message).toMatch(/index\.json: shard "gone\.safetensors": listed in weight_map but/);
  });

  it("tied embeddings: stored once under either name, or via a __metadata__ alias", async () => {
    const tied = { ...BASE, tie_word_embeddings: true };
    const dir = makeDir(tied); // writes model.embed_tokens.weight only
    const a = await loadModelDir(dir);
    expect(a.model.weights.lmHead).toBe(a.model.weights.embed);
    const want = a.model.forward(tokens, a.model.newCache(), { allLogits: true });
    // The story model's layout: stored as lm_head.weight, embed_tokens an alias in __metadata__.
    rewriteWeights(dir, (e) => e.map((t) => (t.name === "model.embed_tokens.weight" ? { ...t, name: "lm_head.weight" } : t)), {
      format: "pt",
      "model.embed_tokens.weight": "lm_head.weight",
    });
    const b = await loadModelDir(dir);
    expect(b.model.weights.lmHead).toBe(b.model.weights.embed);
    expect(maxAbsDiff(b.model.forward(tokens, b.model.newCache(), { allLogits: true }), want)).toBe(0);
    // Untied config with the alias: both names resolve to the one stored matrix.
    writeFileSync(join(dir, "config.json"), JSON.stringify(BASE));
    const c = await loadModelDir(dir);
    expect(maxAbsDiff(c.model.forward(tokens, c.model.newCache(), { allLogits: true }), want)).toBe(0);
  });

  it("eos ids are the union of generation_config.json's and config.json's; bos prefers generation_config", async () => {
    const dir = makeDir({ ...BASE, eos_token_id: [2, 3] });
    writeFileSync(join(dir, "generation_config.json"), JSON.stringify({ bos_token_id: 4, eos_token_id: [3, 7] }));
    const loaded = await loadModelDir(dir);
    expect(loaded.eosTokenIds).toEqual([2, 3, 7]);
    expect(loaded.bosTokenId).toBe(4);
    expect(loaded.generationConfig).toEqual({ bos_token_id: 4, eos_token_id: [3, 7] });
    expect(loaded.tokenizerFile).toBeNull();
    writeFileSync(join(dir, "generation_config.json"), JSON.stringify({ eos_token_id: 99 }));
    expect((await loadError(dir)).message).toMatch(/generation_config\.json: field "eos_token_id": id 99 is outside the vocabulary \(vocab_size 50\)/);
  });
});
