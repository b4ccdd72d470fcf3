/**
 * `--save-gguf` with `--tokenizer bpe`: the file rustgpt-ts writes after a few training steps runs
 * in llama.cpp (node-llama-cpp's prebuilt binary, nothing downloaded) with mini's token ids for the
 * training texts and for random text over their characters, and mini's greedy answer; the rustgpt
 * preset and the word-level tokenizer are refused in one line before training.
 */
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { getLlama, LlamaLogLevel, type Llama } from "node-llama-cpp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadTokenizer } from "@mini/llm";
import { loadGgufModel, loadModelDir } from "@mini/llm/models";
import { renderDialoguePrompt } from "@mini/llm/training";
import { RUSTGPT_NOT_GGUF, WORD_LEVEL_NOT_GGUF } from "../src/gguf-export.js";
import { runCli, tempDir, writeJson, type AppRun } from "./helpers.js";

const FACTS = [
  "The sun rises in the east, and it sets in the west </s>",
  "Rain falls from clouds when droplets grow heavy </s>",
  "Bees make honey from nectar; they're busy all summer </s>",
  "Mountains form when plates push together over millions of years </s>",
];
const DIALOGUES = [
  "User: What causes rain? Assistant: Rain falls when drops in clouds grow heavy. </s>",
  "User: What do bees make? Assistant: Bees make honey! </s>",
  "User: Hello Assistant: Hello! How can I help you today? </s>",
];
const TEXTS = [...FACTS, ...DIALOGUES];

const dir = tempDir();
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const pre = writeJson(dir, "facts.json", FACTS);
const chat = writeJson(dir, "chat.json", DIALOGUES);
const TINY = [
  "--pretrain-data", pre, "--chat-data", chat, "--pretrain-epochs", "12", "--chat-epochs", "40", "--hidden-size", "32", "--intermediate-size", "64",
  "--layers", "2", "--heads", "2", "--batch-size", "2", "--pretrain-lr", "1e-2", "--chat-lr", "1e-2", "--seed", "3", "--no-interactive",
];
const save = join(dir, "model");
const gguf = join(dir, "model.gguf");

let run: AppRun;
let llama: Llama;
beforeAll(async () => {
  run = await runCli([...TINY, "--tokenizer", "bpe", "--vocab-size", "400", "--save", save, "--save-gguf", gguf]);
  llama = await getLlama({ gpu: false, build: "never", skipDownload: true, logLevel: LlamaLogLevel.error, vramPadding: 0 });
});

describe("--save-gguf", () => {
  it("writes the trained model; llama.cpp tokenizes as mini and continues greedily as mini", async () => {
    expect(run.err).toBe("");
    expect(run.code).toBe(0);
    expect(run.out).toContain(`GGUF saved to ${gguf}`);
    const tokenizer = await loadTokenizer(save);
    // Merges stop at 400 tokens or when no pair occurs twice (this small corpus: the latter).
    expect(tokenizer.vocabSize).toBeGreaterThan(300);
    expect(tokenizer.vocabSize).toBeLessThanOrEqual(400);
    const model = await llama.loadModel({ modelPath: gguf, gpuLayers: 0 });
    const context = await model.createContext({ contextSize: 128, batchSize: 128, threads: 1, sequences: 1, flashAttention: false, experimentalKvCacheKeyType: "F32", experimentalKvCacheValueType: "F32" });
    try {
      const ours = (s: string) => [...tokenizer.encode(s, { addSpecialTokens: false })];
      const theirs = (s: string) => [...model.tokenize(s, true)].map(Number);
      for (const t of TEXTS) expect(theirs(t), t).toEqual(ours(t));
      // Random text over the training data's characters, with whitespace runs and the special token.
      const chars = [...new Set(TEXTS.join("").replace("</s>", ""))];
      const piece = fc.oneof(fc.constantFrom(...chars), fc.constantFrom(" ", "  ", "\n", "\t", "</s>", "é", "日本"));
      fc.assert(fc.property(fc.array(piece, { maxLength: 40 }).map((p) => p.join("")), (s) => {
        expect(theirs(s), JSON.stringify(s)).toEqual(ours(s));
      }), { numRuns: 300, seed: 5 });

      // Greedy answers: mini on the saved directory, mini on the GGUF file, llama.cpp on the GGUF file.
      const dirModel = (await loadModelDir(save)).model;
      const fileModel = loadGgufModel(gguf).model;
      const sequence = context.getSequence();
      const eos = tokenizer.tokenToId("</s>")!;
      for (const text of [renderDialoguePrompt("What causes rain?"), renderDialoguePrompt("Hello"), "Mountains form"]) {
        const prompt = ours(text);
        const greedy = (m: typeof dirModel) => {
          const cache = m.newCache();
          let logits = m.forward(prompt, cache);
          const out: number[] = [];
          for (let i = 0; i < 20 && out.at(-1) !== eos; i++) {
            let best = 0;
            for (let j = 1; j < logits.length; j++) if (logits[j]! > logits[best]!) best = j;
            out.push(best);
            logits = m.forward([best], cache);
          }
          return out;
        };
        const expected = greedy(dirModel); // up to 20 tokens, ending at </s> (llama.cpp stops there)
        console.log(`${JSON.stringify(text)} → ${JSON.stringify(tokenizer.decode(expected))} (${expected.length} tokens)`);
        expect(greedy(fileModel)).toEqual(expected);
        await sequence.clearHistory();
        const got: number[] = [];
        for await (const t of sequence.evaluate(prompt as never, { temperature: 0 })) {
          got.push(Number(t));
          if (got.length >= 20) break;
        }
        // llama.cpp ends the continuation at </s> without yielding it.
        expect(got).toEqual(expected.at(-1) === eos ? expected.slice(0, -1) : expected);
      }
      dirModel.dispose();
      fileModel.dispose();
    } finally {
      await context.dispose();
      await model.dispose();
    }
  });

  it("--load DIR --save-gguf exports a saved model (the same bytes)", async () => {
    const again = join(dir, "again.gguf");
    const r = await runCli(["--load", save, "--save-gguf", again, "--no-interactive"]);
    expect(r.code).toBe(0);
    expect(readFileSync(again)).toEqual(readFileSync(gguf));
  });

  it.each([
    ["the rustgpt preset", ["--preset", "rustgpt", "--tokenizer", "bpe"], RUSTGPT_NOT_GGUF],
    ["the word-level tokenizer", [], WORD_LEVEL_NOT_GGUF],
  ])("%s is refused in one line before training", async (_what, extra, message) => {
    const out = join(dir, `refused-${extra.length}`);
    await expect(runCli([...TINY, ...extra, "--save", out, "--save-gguf", join(dir, "x.gguf")])).rejects.toThrow(message);
    expect(existsSync(out)).toBe(false); // nothing trained or saved
  });

  it("a --save-gguf file that cannot be written is refused before training", async () => {
    await expect(runCli([...TINY, "--tokenizer", "bpe", "--save", join(dir, "n"), "--save-gguf", join(dir, "no", "such", "m.gguf")])).rejects.toThrow(/^--save-gguf .*m\.gguf: cannot write in .*such \(missing or not writable\)$/);
    await expect(runCli([...TINY, "--tokenizer", "bpe", "--save", join(dir, "n"), "--save-gguf", join(dir, "m.bin")])).rejects.toThrow(/m\.bin: the file name must end in \.gguf$/);
  });
});
