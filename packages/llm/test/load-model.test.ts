/**
 * loadModel(path): one entry point, the same result shape for every source (HF Llama directory as
 * the inference model or the trainable one, RustGPT directory), and one-line errors for paths
 * that are not models.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ParamSource } from "@mini/nn";
import { afterAll, describe, expect, it } from "vitest";
import { generateAll } from "../src/generate.js";
import { loadModel } from "../src/load-model.js";
import { LlamaModel } from "../src/models/llama/index.js";
import { RustGptModel, rustGptConfig, saveRustGptDir } from "../src/models/rustgpt/index.js";
import { saveAsHfModelDir, TinyLlama, tinyLlamaConfig } from "../src/models/tiny-llama/index.js";
import { buildWordLevelTokenizer } from "../src/tokenizers/index.js";

const tmp = mkdtempSync(join(tmpdir(), "mini-load-model-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const built = buildWordLevelTokenizer(["User: hi there Assistant: hello friend </s>", "a b c d </s>"]);
const V = built.tokenizer.vocabSize;
const eos = built.tokenizer.tokenToId("</s>")!;

describe("loadModel", () => {
  it("opens the shared story model as the inference Llama with its tokenizer, stop ids and ChatML fallback", async () => {
    const r = await loadModel(join(process.env["MINI_SHARED"]!, "models", "story"));
    expect(r.format).toBe("hf-llama");
    expect(r.model).toBeInstanceOf(LlamaModel);
    expect(r.config.vocabSize).toBe(r.tokenizer.vocabSize);
    expect(r.eosIds.length).toBeGreaterThan(0);
    expect(r.chatTemplate.isBuiltInChatML).toBe(true);
  });

  it("opens a trained HF directory as either model, with the same greedy output", async () => {
    const dir = join(tmp, "tiny");
    const cfg = tinyLlamaConfig({ vocabSize: V, hiddenSize: 16, intermediateSize: 24, numLayers: 1, numHeads: 2, maxSeqLen: 16 });
    saveAsHfModelDir(dir, new TinyLlama(cfg, ParamSource.init(5)), { tokenizerJson: built.json, tokenizerConfig: built.config });
    const fast = await loadModel(dir);
    const trainable = await loadModel(dir, { trainable: true });
    expect(fast.format).toBe("hf-llama");
    expect(trainable.format).toBe("hf-llama-trainable");
    expect(trainable.model).toBeInstanceOf(TinyLlama);
    for (const r of [fast, trainable]) {
      expect(r.eosIds).toEqual([eos]);
      expect(r.chatTemplate.isBuiltInChatML).toBe(false); // the User:/Assistant: template saved with it
      expect(r.chatTemplate.render([{ role: "user", content: "hi" }])).toBe("User: hi Assistant:");
    }
    const prompt = built.tokenizer.encode("hi there");
    expect(generateAll(trainable.model, prompt, { maxNewTokens: 5 }).ids).toEqual(generateAll(fast.model, prompt, { maxNewTokens: 5 }).ids);
  });

  it("opens a RustGPT directory", async () => {
    const dir = join(tmp, "rustgpt");
    const cfg = rustGptConfig({ vocabSize: V, hiddenSize: 8, intermediateSize: 12, numLayers: 1, numHeads: 1, maxSeqLen: 8 });
    saveRustGptDir(dir, new RustGptModel(cfg, ParamSource.init(2)), { tokenizerJson: built.json, tokenizerConfig: built.config });
    const r = await loadModel(dir);
    expect(r.format).toBe("rustgpt");
    expect(r.model).toBeInstanceOf(RustGptModel);
    expect(r.config).toEqual(cfg);
    expect(r.eosIds).toEqual([eos]);
    // The dialogue format it was instruction-tuned on, not built-in ChatML.
    expect(r.chatTemplate.isBuiltInChatML).toBe(false);
    expect(r.chatTemplate.render([{ role: "user", content: "hi" }])).toBe("User: hi Assistant:");
    // A directory saved before the names were unified (embedDim / hiddenDim) still loads.
    const file = join(dir, "rustgpt.json");
    const meta = JSON.parse(readFileSync(file, "utf8"));
    const { hiddenSize, intermediateSize, ...rest } = meta.config;
    writeFileSync(file, JSON.stringify({ ...meta, config: { ...rest, embedDim: hiddenSize, hiddenDim: intermediateSize } }));
    expect((await loadModel(dir)).config).toEqual(cfg);
  });

  it("refuses what is not a model, naming the path and what was expected", async () => {
    const empty = join(tmp, "empty");
    mkdirSync(empty);
    const file = join(tmp, "weights.bin");
    writeFileSync(file, "x");
    await expect(loadModel(join(tmp, "nope"))).rejects.toThrow(/nope: model directory does not exist/);
    await expect(loadModel(empty)).rejects.toThrow(/empty\/config\.json: missing \(a model directory has config\.json .* or rustgpt\.json/);
    await expect(loadModel(file)).rejects.toThrow(/weights\.bin: is a file; expected a model directory/);
  });

  it("a max_position_embeddings past what memory allows fails naming the field and the memory it needs", async () => {
    const dir = join(tmp, "huge-context");
    cpSync(join(process.env["MINI_SHARED"]!, "models", "story"), dir, { recursive: true });
    const cfgPath = join(dir, "config.json");
    writeFileSync(cfgPath, JSON.stringify({ ...JSON.parse(readFileSync(cfgPath, "utf8")), max_position_embeddings: 1_000_000_000 }));
    const { model } = await loadModel(dir);
    expect(() => model.newCache()).toThrow(/1000000000 positions \(max_position_embeddings.*\) need \d+\.\d GiB of KV cache .*at most 4 GiB/);
    expect(model.newCache(64).maxLen).toBe(64); // a shorter context still works
  });
});
