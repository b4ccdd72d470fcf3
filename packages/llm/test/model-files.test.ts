/**
 * Loading a model directory from bytes in memory (what a browser has): the same model and
 * tokenizer as loadModelDir + loadTokenizer from disk, errors naming the file, and the in-memory
 * HF directory of a trained model loading back through the disk loader.
 */
import { readdirSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { generateAll, loadModelFromFiles, loadTokenizer, ModelLoadError } from "../src/index.js";
import { hfModelDirFiles, loadModelDir, TinyLlama, tinyLlamaConfig } from "../src/models/index.js";
import { buildWordLevelTokenizer } from "../src/tokenizers/index.js";
import { ParamSource } from "@mini/nn";
import { makeTempDir, removeDir } from "./llama-helpers.js";

const STORY = join(process.env["MINI_SHARED"]!, "models", "story");
const storyFiles = (): Record<string, Uint8Array> => Object.fromEntries(readdirSync(STORY).map((f) => [f, new Uint8Array(readFileSync(join(STORY, f)))]));

describe("loadModelFromFiles", () => {
  it("gives the same greedy tokens and ids as the disk loaders (bytes, Blob and Response inputs)", async () => {
    const disk = await loadModelDir(STORY);
    const diskTok = await loadTokenizer(STORY);
    const bytes = storyFiles();
    const inputs = Object.fromEntries(
      Object.entries(bytes).map(([f, b], i) => [f, i % 3 === 0 ? b : i % 3 === 1 ? new Blob([b]) : new Response(b)]),
    );
    const mem = await loadModelFromFiles(inputs, { name: "story" });
    expect(mem.eosTokenIds).toEqual(disk.eosTokenIds);
    expect(mem.bosTokenId).toBe(disk.bosTokenId);
    const prompt = "Once upon a time, there was a little";
    const ids = mem.tokenizer!.encode(prompt);
    expect(ids).toEqual(diskTok.encode(prompt));
    const a = generateAll(mem.model, ids, { maxNewTokens: 20, stopIds: mem.eosTokenIds });
    const b = generateAll(disk.model, ids, { maxNewTokens: 20, stopIds: disk.eosTokenIds });
    expect(a.ids).toEqual(b.ids);
  });

  it("a chat_template.jinja among the files is the tokenizer's chat template, as transformers prefers it", async () => {
    const sidecar = "{% for m in messages %}{{ m.content }}{% endfor %}";
    const mem = await loadModelFromFiles({ ...storyFiles(), "chat_template.jinja": new TextEncoder().encode(sidecar) }, { name: "story" });
    expect(mem.tokenizer!.chatTemplate).toBe(sidecar);
  });

  it("names the missing or unreadable file", async () => {
    const { "config.json": _config, ...rest } = storyFiles();
    await expect(loadModelFromFiles(rest, { name: "story" })).rejects.toThrow(/story\/config\.json: missing/);
    const bad = { ...storyFiles(), "model.safetensors": new Response("gone", { status: 404 }) };
    await expect(loadModelFromFiles(bad, { name: "story" })).rejects.toThrow(ModelLoadError);
    await expect(loadModelFromFiles(bad, { name: "story" })).rejects.toThrow(/story\/model\.safetensors: cannot fetch \(HTTP 404/);
  });

  it("hfModelDirFiles of a trainable model loads back from disk with the same logits", async () => {
    const built = buildWordLevelTokenizer(["User: what is a cat ? Assistant: a small animal </s>"]);
    const model = new TinyLlama(tinyLlamaConfig({ vocabSize: built.tokenizer.vocabSize, hiddenSize: 16, intermediateSize: 24, numLayers: 1, numHeads: 2, maxSeqLen: 16 }), ParamSource.init(3));
    const files = hfModelDirFiles(model, { tokenizerJson: built.json, tokenizerConfig: built.config });
    const dir = makeTempDir("hf-files");
    try {
      mkdirSync(dir, { recursive: true });
      for (const [f, b] of Object.entries(files)) writeFileSync(join(dir, f), b);
      const fromDisk = await loadModelDir(dir);
      const fromMem = await loadModelFromFiles(files);
      const ids = [1, 2, 3];
      expect(generateAll(fromDisk.model, ids, { maxNewTokens: 5 }).ids).toEqual(generateAll(fromMem.model, ids, { maxNewTokens: 5 }).ids);
    } finally {
      removeDir(dir);
    }
  });
});
