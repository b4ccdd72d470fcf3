/**
 * The CLI end to end. A few runs are real processes (node + tsx, as a user runs it: ~0.5 s+ of
 * startup each, so they run concurrently and are few); the rest run the same `runCli`
 * in-process with captured streams. Bad input: cli-errors.test.ts.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ChatSession, loadTokenizer } from "@mini/llm";
import { loadModelDir } from "@mini/llm/models";
import { CHAT_TOKENIZER, escapeRegExp, expectOneLineError, FIXTURES, fixture, type Run, runInProcess, STORY, spawnCli } from "./cli-helpers.js";

describe("llama-infer as a process", () => {
  const answersIn = ["Tell me about a cat.", "What did the cat do next?"];
  let runs: Run[];
  beforeAll(async () => {
    // Concurrent: startup dominates.
    runs = await Promise.all([
      spawnCli(["generate", "--model", STORY, "--prompt", fixture.prompt, "--temperature", "0", "--max-new-tokens", "60", "--stats"]),
      spawnCli(["chat", "--model", STORY, "--temperature", "0", "--max-new-tokens", "24"], { input: `${answersIn.join("\n")}\n` }),
      spawnCli(["generate", "--model", STORY, "--prompt", "hi", "--top-p", "1.5"], { bin: true }),
    ]);
  });

  it("generate --temperature 0 prints the prompt and the fixture's greedy continuation; --stats goes to stderr", () => {
    const [r] = runs;
    expect(r!.code).toBe(0);
    expect(r!.stdout).toBe(`${fixture.prompt}${fixture.greedy.continuation_text}\n`);
    // Prompt tokens, prefill tok/s, time to first token, decode tok/s: each with a number.
    expect(r!.stderr).toMatch(/^\[stats\] prompt tokens: 10$/m);
    expect(r!.stderr).toMatch(/^\[stats\] prefill: [\d.]+ ms, [\d.]+ tok\/s$/m);
    expect(r!.stderr).toMatch(/^\[stats\] time to first token: [\d.]+ ms$/m);
    expect(r!.stderr).toMatch(/^\[stats\] new tokens: 60$/m);
    expect(r!.stderr).toMatch(/^\[stats\] decode: [\d.]+ ms, [\d.]+ tok\/s$/m);
    expect(r!.stderr).toMatch(/^\[stats\] finish: length$/m);
  });

  it("chat through a pipe answers each line, and only answers reach stdout", async () => {
    const [, r] = runs;
    expect(r!.code).toBe(0);
    // The same conversation through the library.
    const { model, eosTokenIds } = await loadModelDir(STORY);
    const session = new ChatSession(model, await loadTokenizer(STORY), { stopIds: eosTokenIds, maxNewTokens: 24 });
    let expected = "";
    for (const line of answersIn) {
      for (const piece of session.send(line) as Iterable<string>) expected += piece;
      expected += "\n";
    }
    expect(r!.stdout).toBe(expected);
    expect(r!.stdout.length).toBeGreaterThan(20);
    expect(r!.stderr).toBe("");
  });

  it("the bin launcher runs the CLI: an invalid option is one line and exit code 1", () => {
    expectOneLineError(runs[2]!, /^error: invalid --top-p: must be in \(0, 1\], got 1\.5$/);
    expect(runs[2]!.code).toBe(1);
  });
});

describe("llama-infer generate --temperature 0 on every story fixture (in-process)", () => {
  it.each(FIXTURES.map((f, i) => [i + 1, f] as const))("fixture %i: prints the prompt and its greedy continuation", async (_, f) => {
    const r = await runInProcess(["generate", "--model", STORY, "--prompt", f.prompt, "--temperature", "0", "--max-new-tokens", String(f.greedy.ids.length)]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe(`${f.prompt}${f.greedy.continuation_text}\n`);
  });
});

describe("llama-infer help and synth (in-process)", () => {
  it("--help lists every option with its default", async () => {
    for (const cmd of ["generate", "chat"]) {
      const r = await runInProcess([cmd, "--help"]);
      expect(r.code).toBe(0);
      const help = r.stdout.replace(/\s+/g, " ");
      for (const [flag, dflt] of [
        ["--max-new-tokens", "256"],
        ["--temperature", "0.8"],
        ["--top-k", "40"],
        ["--top-p", "0.95"],
        ["--min-p", "0"],
        ["--repetition-penalty", "1"],
        ["--seed", "random"],
        ["--stats", "false"],
      ]) {
        expect(help).toMatch(new RegExp(`${flag} .*?\\(default: ${escapeRegExp(dflt!)}\\)`));
      }
      expect(help).toContain("--model <path>");
    }
    const chatHelp = (await runInProcess(["chat", "--help"])).stdout.replace(/\s+/g, " ");
    expect(chatHelp).toMatch(/--system <text> .*?\(default: none\)/);
    expect((await runInProcess(["generate", "--help"])).stdout.replace(/\s+/g, " ")).toMatch(/--no-echo .*?\(default: the prompt is echoed\)/);
  });

  it("every command takes --threads, and refuses a count that is not one", async () => {
    for (const cmd of ["generate", "chat", "synth", "serve"]) {
      expect((await runInProcess([cmd, "--help"])).stdout.replace(/\s+/g, " ")).toMatch(/--threads <n> threads the kernels use/);
    }
    const r = await runInProcess(["generate", "--model", STORY, "--threads", "0", "--prompt", "hi"]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('error: --threads: expected a whole number of threads from 1 to 256, got "0"');
  });

  it("--dtype keeps the weights compact (q8_0 generates), and refuses an unknown dtype naming the choices", async () => {
    for (const cmd of ["generate", "chat", "serve"]) {
      expect((await runInProcess([cmd, "--help"])).stdout.replace(/\s+/g, " ")).toMatch(/--dtype <type> weights in memory: f32, bf16, f16, q8_0, q4_0/);
    }
    const ok = await runInProcess(["generate", "--model", STORY, "--dtype", "q8_0", "--temperature", "0", "--max-new-tokens", "8", "--prompt", "Once upon a time"]);
    expect(ok.code).toBe(0);
    expect(ok.stdout.length).toBeGreaterThan("Once upon a time".length);
    const bad = await runInProcess(["generate", "--model", STORY, "--dtype", "int3", "--prompt", "hi"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim()).toBe('error: --dtype: expected one of f32, bf16, f16, q8_0, q4_0, q4_k, q5_k, q6_k, got "int3"');
  });

  it("synth --help and serve --help list every option with its default", async () => {
    const expectations: [string, [string, string][]][] = [
      ["synth", [["--config <file>", "required"], ["--tokenizer <dir>", "default: none"], ["--out <dir>", "required"], ["--seed <n>", "default: 0"]]],
      [
        "serve",
        [
          ["--model <path>", "required"],
          ["--host <host>", 'default: "127.0.0.1"'],
          ["--port <n>", "default: 8080"],
          ["--max-sessions <n>", "default: 8"],
          ["--max-queue <n>", "default: 16"],
          ["--kv-cache-mb <n>", "default: --max-sessions full contexts"],
          ["--block-size <n>", "default: 16"],
          ["--drain-timeout <s>", "default: 10"],
          ["--context <n>", "default: the model's max_position_embeddings"],
        ],
      ],
    ];
    for (const [cmd, options] of expectations) {
      const r = await runInProcess([cmd, "--help"]);
      expect(r.code).toBe(0);
      const help = r.stdout.replace(/\s+/g, " ");
      for (const [flag, dflt] of options) expect(help, `${cmd} ${flag}`).toMatch(new RegExp(`${escapeRegExp(flag)} (?:(?! -).)*\\(${escapeRegExp(dflt)}\\)`)); // before the next option
    }
  });

  it("chat refuses a message longer than the context and goes on; /reset and /exit work", async () => {
    const long = "the cat and the dog went to the park ".repeat(400);
    const r = await runInProcess(["chat", "--model", STORY, "-t", "0", "-n", "8"], `Hello\n/reset\n${long}\nBye\n/exit\nnever answered\n`);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^\(conversation reset\)\nerror: message too long: this message alone is \d+ tokens; context length is 512 .*\n$/);
    expect(r.stdout.split("\n").filter((l) => l !== "").length).toBeGreaterThanOrEqual(2);
  });

  it.each([
    ["Llama 3.2 (llama3 rope scaling, tied)", { architectures: ["LlamaForCausalLM"], model_type: "llama", rope_theta: 500000, tie_word_embeddings: true, rope_scaling: { rope_type: "llama3", factor: 32, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 64 } }],
    ["Qwen3 (q/k norms, head_dim ≠ hidden/heads)", { architectures: ["Qwen3ForCausalLM"], model_type: "qwen3", head_dim: 16, tie_word_embeddings: true }],
    ["Qwen2 (q/k/v biases, window on layer 1)", { architectures: ["Qwen2ForCausalLM"], model_type: "qwen2", use_sliding_window: true, sliding_window: 4, max_window_layers: 1 }],
    ["Mixtral (4 experts, top 2)", { architectures: ["MixtralForCausalLM"], model_type: "mixtral", num_local_experts: 4, num_experts_per_tok: 2 }],
  ])("synth + generate --temperature 0 run a %s directory: the library's greedy continuation", async (_name, family) => {
    const tmp = mkdtempSync(join(tmpdir(), "llama-infer-family-"));
    try {
      const chat = JSON.parse(readFileSync(join(CHAT_TOKENIZER, "config.json"), "utf8")) as Record<string, unknown>;
      const { sliding_window: _sw, ...base } = chat;
      const config = { ...base, num_hidden_layers: 2, hidden_size: 32, intermediate_size: 48, num_attention_heads: 4, num_key_value_heads: 2, ...family };
      writeFileSync(join(tmp, "config.json"), JSON.stringify(config));
      const out = join(tmp, "model");
      expect((await runInProcess(["synth", "--config", join(tmp, "config.json"), "--tokenizer", CHAT_TOKENIZER, "--out", out, "--seed", "5"])).code).toBe(0);
      const g = await runInProcess(["generate", "--model", out, "--prompt", "Hello there", "--max-new-tokens", "6", "--temperature", "0"]);
      expect(g.stderr).toBe("");
      expect(g.code).toBe(0);
      // The same greedy continuation through the library.
      const loaded = await loadModelDir(out);
      const tok = await loadTokenizer(out);
      const ids = tok.encode("Hello there");
      const cache = loaded.model.newCache();
      let logits = loaded.model.forward(ids, cache);
      const next: number[] = [];
      for (let i = 0; i < 6; i++) {
        let best = 0;
        for (let j = 1; j < logits.length; j++) if (logits[j]! > logits[best]!) best = j;
        if (loaded.eosTokenIds.includes(best)) break;
        next.push(best);
        logits = loaded.model.forward([best], cache);
      }
      expect(next.length).toBeGreaterThan(0);
      expect(g.stdout.trimEnd()).toBe(tok.decode([...ids, ...next], { skipSpecialTokens: true }).trimEnd());
      loaded.model.dispose();
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it("synth writes a model directory that generate runs", async () => {
    const tmp = mkdtempSync(join(tmpdir(), "llama-infer-synth-"));
    try {
      const config = JSON.parse(readFileSync(join(CHAT_TOKENIZER, "config.json"), "utf8")) as Record<string, unknown>;
      Object.assign(config, { num_hidden_layers: 1, hidden_size: 32, intermediate_size: 64, num_attention_heads: 2, num_key_value_heads: 1 });
      writeFileSync(join(tmp, "config.json"), JSON.stringify(config));
      const out = join(tmp, "model");
      const s = await runInProcess(["synth", "--config", join(tmp, "config.json"), "--tokenizer", CHAT_TOKENIZER, "--out", out, "--seed", "3"]);
      expect(s.code).toBe(0);
      const g = await runInProcess(["generate", "--model", out, "--prompt", "Hello", "--max-new-tokens", "3", "--seed", "1"]);
      expect(g.code).toBe(0);
      expect(g.stdout.startsWith("Hello")).toBe(true);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
