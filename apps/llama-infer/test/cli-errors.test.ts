/** The CLI refuses bad input with one line naming what is wrong (in-process runs). */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RUSTGPT_CONFIG_FILE, RUSTGPT_FORMAT } from "@mini/llm/models";
import { buildWordLevelTokenizer } from "@mini/llm/tokenizers";
import { readSafetensors, Tensor, writeSafetensors } from "@mini/tensor";
import { expectOneLineError, type Run, runInProcess, STORY } from "./cli-helpers.js";

describe("llama-infer bad input (in-process)", () => {
  let tmp: string;
  const dir = (name: string) => join(tmp, name);
  /** A copy of the story model directory, with `change` applied. */
  function variant(name: string, change: (d: string) => void): string {
    const d = dir(name);
    mkdirSync(d);
    for (const f of ["config.json", "generation_config.json", "special_tokens_map.json", "tokenizer.json", "tokenizer_config.json"]) {
      copyFileSync(join(STORY, f), join(d, f));
    }
    change(d);
    return d;
  }
  const editConfig = (d: string, edit: (c: Record<string, unknown>) => void) => {
    const c = JSON.parse(readFileSync(join(d, "config.json"), "utf8")) as Record<string, unknown>;
    edit(c);
    writeFileSync(join(d, "config.json"), JSON.stringify(c));
  };
  const rewriteWeights = (d: string, edit: (t: Record<string, Tensor>) => void) => {
    const file = readSafetensors(join(STORY, "model.safetensors"));
    const tensors: Record<string, Tensor> = {};
    for (const name of file.names()) tensors[name] = file.get(name);
    edit(tensors);
    writeSafetensors(join(d, "model.safetensors"), tensors);
  };

  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), "llama-infer-cli-"));
    variant("no-weights", () => {});
    variant("no-config", (d) => {
      copyFileSync(join(STORY, "model.safetensors"), join(d, "model.safetensors"));
      rmSync(join(d, "config.json"));
    });
    variant("no-tokenizer", (d) => {
      copyFileSync(join(STORY, "model.safetensors"), join(d, "model.safetensors"));
      rmSync(join(d, "tokenizer.json"));
    });
    variant("attention-bias", (d) => {
      copyFileSync(join(STORY, "model.safetensors"), join(d, "model.safetensors"));
      editConfig(d, (c) => (c["attention_bias"] = true));
    });
    variant("truncated", (d) => writeFileSync(join(d, "model.safetensors"), readFileSync(join(STORY, "model.safetensors")).subarray(0, 100_000)));
    variant("missing-tensor", (d) => rewriteWeights(d, (t) => delete t["model.layers.1.mlp.down_proj.weight"]));
    variant("wrong-shape", (d) => rewriteWeights(d, (t) => (t["model.norm.weight"] = Tensor.zeros([64]))));
    variant("gpt2", (d) => {
      copyFileSync(join(STORY, "model.safetensors"), join(d, "model.safetensors"));
      editConfig(d, (c) => Object.assign(c, { model_type: "gpt2", architectures: ["GPT2LMHeadModel"] }));
    });
    variant("rope-scaling", (d) => {
      copyFileSync(join(STORY, "model.safetensors"), join(d, "model.safetensors"));
      editConfig(d, (c) => (c["rope_scaling"] = { type: "dynamic", factor: 2 }));
    });
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  /** A RustGPT-preset directory as rustgpt-ts saves it (rustgpt.json, its state dict's names), weights zero. */
  function rustGptDir(name: string): string {
    const d = dir(name);
    mkdirSync(d);
    const built = buildWordLevelTokenizer(["User: hi Assistant: hello </s>"]);
    const V = built.tokenizer.vocabSize;
    const [H, F, T] = [8, 12, 8];
    const config = { hiddenSize: H, intermediateSize: F, numLayers: 1, numHeads: 1, maxSeqLen: T, layerNormEps: 1e-5, vocabSize: V };
    const shapes: Record<string, number[]> = {
      "token_embedding.weight": [V, H], "position_embedding.weight": [T, H],
      "blocks.0.attention.q_proj.weight": [H, H], "blocks.0.attention.k_proj.weight": [H, H], "blocks.0.attention.v_proj.weight": [H, H],
      "blocks.0.feed_forward.up_proj.weight": [F, H], "blocks.0.feed_forward.up_proj.bias": [F],
      "blocks.0.feed_forward.down_proj.weight": [H, F], "blocks.0.feed_forward.down_proj.bias": [H],
      "blocks.0.norm1.weight": [H], "blocks.0.norm1.bias": [H], "blocks.0.norm2.weight": [H], "blocks.0.norm2.bias": [H],
      "output.weight": [V, H], "output.bias": [V],
    };
    writeSafetensors(join(d, "model.safetensors"), Object.fromEntries(Object.entries(shapes).map(([n, shape]) => [n, Tensor.zeros(shape)])));
    writeFileSync(join(d, RUSTGPT_CONFIG_FILE), JSON.stringify({ format: RUSTGPT_FORMAT, version: 1, config }));
    writeFileSync(join(d, "tokenizer.json"), JSON.stringify(built.json));
    writeFileSync(join(d, "tokenizer_config.json"), JSON.stringify(built.config));
    return d;
  }

  it("a RustGPT-preset directory runs in generate; serve and convert refuse it in one line saying why", async () => {
    const d = rustGptDir("rustgpt");
    const ok = await runInProcess(["generate", "--model", d, "--prompt", "hi", "-n", "2", "-t", "0"]);
    expect(ok.code).toBe(0);
    // serve's engine batches requests, which this model cannot (the library's message named a minified class)
    expectOneLineError(await runInProcess(["serve", "--model", d, "--port", "0"]), /^error: .*rustgpt: serve needs a Llama-family model \(it runs requests as one batch\); this one runs in generate and chat only$/);
    // convert said "rustgpt/config.json: missing (every model directory needs a config.json)"
    expectOneLineError(await runInProcess(["convert", "--to", "gguf", d, join(tmp, "rg.gguf")]), /^error: .*rustgpt: a RustGPT-preset model \(rustgpt\.json\), whose architecture no GGUF one computes; convert takes Llama-family directories \(config\.json\)$/);
  });

  const gen = (model: string, ...rest: string[]) => runInProcess(["generate", "--model", model, "--prompt", "Once", ...rest]);

  it.each([
    ["a missing directory", () => gen(dir("nowhere")), "nowhere: model directory does not exist"],
    ["a missing weights file", () => gen(dir("no-weights")), "no-weights: no weights"],
    ["a missing config.json", () => gen(dir("no-config")), "no-config/config.json: missing"],
    ["a missing tokenizer.json", () => gen(dir("no-tokenizer")), "no-tokenizer/tokenizer.json: file not found"],
    ["a truncated safetensors file", () => gen(dir("truncated")), "truncated/model.safetensors"],
    ["a missing tensor", () => gen(dir("missing-tensor")), "model.layers.1.mlp.down_proj.weight"],
    ["a tensor of the wrong shape", () => gen(dir("wrong-shape")), "model.norm.weight"],
    ["an unsupported architecture", () => gen(dir("gpt2")), 'config.json: field "model_type": unsupported model type "gpt2"'],
    ["an unsupported config field", () => gen(dir("rope-scaling")), 'config.json: field "rope_scaling"'],
    ["biases the config calls for and the weights lack", () => gen(dir("attention-bias")), 'model.safetensors: tensor "model.layers.0.self_attn.q_proj.bias": missing'],
    ["a prompt past the context length", () => runInProcess(["generate", "--model", STORY, "--prompt", "the cat sat on the mat. ".repeat(100)]), /^error: prompt is \d{3} tokens; context length is 512$/],
    ["--top-p 1.5", () => gen(STORY, "--top-p", "1.5"), /^error: invalid --top-p: must be in \(0, 1\], got 1\.5$/],
    ["chat --template-var without =", () => runInProcess(["chat", "--model", STORY, "--template-var", "enable_thinking"]), /^error: invalid --template-var: expected NAME=VALUE with NAME an identifier, got "enable_thinking"$/],
    ["--temperature -1", () => gen(STORY, "--temperature", "-1"), /^error: invalid --temperature: .*got -1$/],
    ["--top-k 2.5", () => gen(STORY, "--top-k", "2.5"), /^error: invalid --top-k: must be an integer ≥ 0.*got 2\.5$/],
    ["--repetition-penalty 0", () => gen(STORY, "--repetition-penalty", "0"), /^error: invalid --repetition-penalty: must be a finite number > 0, got 0$/],
    ["--max-new-tokens 0", () => gen(STORY, "--max-new-tokens", "0"), /^error: invalid --max-new-tokens: must be an integer ≥ 1, got 0$/],
    ["--seed abc", () => gen(STORY, "--seed", "abc"), /^error: invalid --seed: must be a number, got "abc"$/],
    ["--temperature abc", () => gen(STORY, "--temperature", "abc"), /^error: invalid --temperature: must be a number, got "abc"$/],
    ["--min-p 2", () => gen(STORY, "--min-p", "2"), /^error: invalid --min-p: must be in \[0, 1\], got 2$/],
    ["chat with --top-k -1", () => runInProcess(["chat", "--model", STORY, "--top-k", "-1"]), /^error: invalid --top-k: must be an integer ≥ 0.*got -1$/],
    ["an unknown option", () => gen(STORY, "--bogus"), /^error: unknown option '--bogus'$/],
    ["a missing required option", () => runInProcess(["generate", "--prompt", "x"]), /^error: required option '-m, --model <path>' not specified$/],
    ["chat with a missing directory", () => runInProcess(["chat", "--model", dir("nowhere")]), "nowhere: model directory does not exist"],
    ["synth with a missing config file", () => runInProcess(["synth", "--config", dir("none.json"), "--out", dir("x")]), "none.json: config file does not exist"],
    ["synth with --out a file", () => runInProcess(["synth", "--config", join(STORY, "config.json"), "--out", join(STORY, "config.json")]), /^error: --out .*config\.json: is a file; expected a directory \(created if missing\)$/],
  ] as [string, () => Promise<Run>, string | RegExp][])("%s", async (_what, run, message) => {
    expectOneLineError(await run(), message);
  });
});
