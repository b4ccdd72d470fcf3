/**
 * The trainable Llama against the inference Llama (same logits after saveAsHfModelDir → load),
 * the saved directory's files, padding invariance, and the CausalLM side (recompute forward).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ParamSource } from "@mini/nn";
import { readSafetensors } from "@mini/tensor";
import { noGrad } from "@mini/autograd";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChatTemplate } from "../src/chat/index.js";
import { generateAll } from "../src/generate.js";
import { loadModelDir, type LoadedModelDir } from "../src/loaders/index.js";
import { loadTinyLlamaDir, saveAsHfModelDir, TinyLlama, tinyLlamaConfig } from "../src/models/tiny-llama/index.js";
import { buildWordLevelTokenizer, loadTokenizer } from "../src/tokenizers/index.js";

const TEXTS = ["User: What causes rain? Assistant: Water vapor condenses into drops. </s>", "The sun is a star made of gas </s>"];
const built = buildWordLevelTokenizer(TEXTS);
const cfg = tinyLlamaConfig({ vocabSize: built.tokenizer.vocabSize, hiddenSize: 32, intermediateSize: 40, numLayers: 2, numHeads: 4, maxSeqLen: 32 });
const dir = mkdtempSync(join(tmpdir(), "mini-tiny-llama-"));
let model: TinyLlama;
let loaded: LoadedModelDir;

beforeAll(async () => {
  model = new TinyLlama(cfg, ParamSource.init(11));
  // Norm weights away from 1, so a wrong norm placement or eps shows.
  for (const p of model.parameters()) if (p.name.endsWith("norm.weight")) p.value.data.forEach((_, i, a) => (a[i] = 1 + 0.3 * Math.sin(i + 1)));
  saveAsHfModelDir(dir, model, { tokenizerJson: built.json, tokenizerConfig: built.config });
  loaded = await loadModelDir(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe("HF model directory", () => {
  it("stores every tensor under its HF name and shape", () => {
    const f = readSafetensors(join(dir, "model.safetensors"));
    const names = f.names().sort();
    expect(names).toContain("model.embed_tokens.weight");
    expect(names).toContain("lm_head.weight");
    expect(names).toContain("model.norm.weight");
    expect(f.info("model.layers.1.self_attn.o_proj.weight").shape).toEqual([32, 32]);
    expect(f.info("model.layers.0.mlp.gate_proj.weight").shape).toEqual([40, 32]);
    expect(f.info("model.layers.0.mlp.down_proj.weight").shape).toEqual([32, 40]);
    expect(names).toHaveLength(1 + 2 * 9 + 2);
  });

  it("writes a LlamaForCausalLM config and </s> as end of sequence", () => {
    const config = JSON.parse(readFileSync(join(dir, "config.json"), "utf8"));
    const gen = JSON.parse(readFileSync(join(dir, "generation_config.json"), "utf8"));
    const eos = built.tokenizer.tokenToId("</s>");
    expect(config.architectures).toEqual(["LlamaForCausalLM"]);
    expect([config.hidden_size, config.intermediate_size, config.num_hidden_layers, config.num_attention_heads]).toEqual([32, 40, 2, 4]);
    expect([config.eos_token_id, gen.eos_token_id]).toEqual([eos, eos]);
    expect(loaded.eosTokenIds).toEqual([eos]);
  });

  it("has a chat template that renders the training format, one exchange at a time", async () => {
    const tok = await loadTokenizer(dir);
    const t = ChatTemplate.forTokenizer(tok);
    expect(t.render([{ role: "user", content: "What causes rain?" }])).toBe("User: What causes rain? Assistant:");
    const history = [{ role: "system", content: "Be brief." }, { role: "user", content: "Hi" }, { role: "assistant", content: "Hello." }];
    expect(t.render([...history, { role: "user", content: " Bye " }])).toBe("User: Bye Assistant:");
    expect(t.render(history, { addGenerationPrompt: false })).toBe("User: Hi Assistant: Hello. </s> ");
  });
});

describe("same function as the inference Llama", () => {
  it("gives the same logits on the same weights (within 1e-4)", () => {
    const ids = built.tokenizer.encode(TEXTS[0]!, { addSpecialTokens: false });
    const ours = model.forward(ids, model.newCache(), { allLogits: true });
    const theirs = loaded.model.forward(ids, loaded.model.newCache(), { allLogits: true });
    expect(maxDiff(ours, theirs)).toBeLessThan(1e-4);
  });

  it("gives the same greedy continuation", () => {
    const prompt = built.tokenizer.encode("User: What causes rain? Assistant:", { addSpecialTokens: false });
    const a = generateAll(model, prompt, { maxNewTokens: 12 }).ids;
    const b = generateAll(loaded.model, prompt, { maxNewTokens: 12 }).ids;
    expect(a).toEqual(b);
    expect(a).toHaveLength(12);
  });

  it("round-trips through loadTinyLlamaDir bit for bit", () => {
    const back = loadTinyLlamaDir(dir);
    const ids = built.tokenizer.encode(TEXTS[1]!, { addSpecialTokens: false });
    expect(maxDiff(back.model.forward(ids, back.model.newCache(), { allLogits: true }), model.forward(ids, model.newCache(), { allLogits: true }))).toBe(0);
    expect(back.tokenizer.vocabSize).toBe(built.tokenizer.vocabSize);
  });
});

describe("attention options saved as their family", () => {
  it.each([
    [{ qkvBias: true }, "Qwen2ForCausalLM"],
    [{ qkvBias: true, outputBias: true }, "LlamaForCausalLM"],
    [{ qkNorm: true }, "Qwen3ForCausalLM"],
    [{ qkNorm: true, qkvBias: true, outputBias: true }, "Qwen3ForCausalLM"],
  ])("%j → %s, loaded by the inference model with the same logits", async (opts, architecture) => {
    const c = tinyLlamaConfig({ vocabSize: built.tokenizer.vocabSize, hiddenSize: 32, intermediateSize: 40, numLayers: 2, numHeads: 4, numKvHeads: 2, maxSeqLen: 32, ...opts });
    const m = new TinyLlama(c, ParamSource.init(5));
    // Biases and norm weights away from their initial 0 and 1, so a dropped or misplaced one shows.
    for (const p of m.parameters()) {
      if (p.name.endsWith(".bias")) p.value.data.forEach((_, i, a) => (a[i] = 0.2 * Math.cos(3 * i + 1)));
      if (p.name.endsWith("norm.weight")) p.value.data.forEach((_, i, a) => (a[i] = 1 + 0.3 * Math.sin(i + 1)));
    }
    const d = mkdtempSync(join(tmpdir(), "mini-tiny-family-"));
    try {
      saveAsHfModelDir(d, m, { tokenizerJson: built.json, tokenizerConfig: built.config });
      expect(JSON.parse(readFileSync(join(d, "config.json"), "utf8")).architectures).toEqual([architecture]);
      const inf = await loadModelDir(d);
      expect([inf.config.qkvBias, inf.config.oBias, inf.config.qkNorm]).toEqual([c.qkvBias, c.outputBias, c.qkNorm]);
      const ids = built.tokenizer.encode(TEXTS[0]!, { addSpecialTokens: false });
      expect(maxDiff(m.forward(ids, m.newCache(), { allLogits: true }), inf.model.forward(ids, inf.model.newCache(), { allLogits: true }))).toBeLessThan(1e-4);
      expect(loadTinyLlamaDir(d).model.config).toEqual(c);
      inf.model.dispose();
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });

  it("refuses combinations no family has", () => {
    const base = { vocabSize: 10, hiddenSize: 8, intermediateSize: 8, numLayers: 1, numHeads: 2, maxSeqLen: 8 };
    expect(() => tinyLlamaConfig({ ...base, outputBias: true })).toThrow("outputBias needs qkvBias");
    expect(() => tinyLlamaConfig({ ...base, qkNorm: true, qkvBias: true })).toThrow("qkvBias and outputBias must be equal");
  });
});

describe("training forward", () => {
  it("a right-padded row gives the logits of the unpadded row on its real positions", () => {
    const V = cfg.vocabSize;
    const long = [5, 6, 7, 8, 9, 10];
    const short = [11, 12, 13];
    const pad = built.tokenizer.tokenToId("<pad>")!;
    const ids = Int32Array.from([...long, ...short, pad, pad, pad]);
    const mask = Uint8Array.from([1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0]);
    const batch = noGrad(() => model.logits(ids, 2, 6, mask)).data;
    const alone = noGrad(() => model.logits(Int32Array.from(short), 1, 3)).data;
    expect(maxDiff(batch.subarray(6 * V, 9 * V), alone)).toBeLessThan(1e-5);
  });

  it("feeding a sequence in pieces equals feeding it at once (recomputing cache)", () => {
    const ids = [3, 4, 5, 6, 7];
    const whole = model.forward(ids, model.newCache());
    const cache = model.newCache();
    model.forward(ids.slice(0, 3), cache);
    const pieces = model.forward(ids.slice(3), cache);
    expect(maxDiff(whole, pieces)).toBe(0);
    expect(cache.position).toBe(5);
    cache.truncate(2);
    expect(cache.position).toBe(2);
    expect(() => model.forward(new Array(40).fill(3), model.newCache())).toThrow(/exceed the context of 32/);
  });
});
