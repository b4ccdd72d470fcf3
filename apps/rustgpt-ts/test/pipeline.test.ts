/**
 * The whole pipeline on a tiny configuration: training lowers the loss, the same seed gives the
 * same losses, the saved directory reloads (--load) to the same answers, loads in the llama-infer
 * loader and the llama-infer CLI with the same greedy answers (written text, not spaced tokens),
 * the chat reads a pipe, and an interrupted run resumes to the same result as an uninterrupted one.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChatSession, generateAll, loadTokenizer } from "@mini/llm";
import { loadModelDir } from "@mini/llm/models";
import { renderDialoguePrompt } from "@mini/llm/training";
import { getThreads, setThreads } from "@mini/tensor";
import { APP_DIR } from "../src/cli.js";
import { runCli, tempDir, writeJson, type AppRun } from "./helpers.js";
// ../shared beside the checkout (vitest.shared.ts sets MINI_SHARED from the repo root).
const SHARED = process.env["MINI_SHARED"]!;

const FACTS = [
  "The sun rises in the east </s>",
  "Rain falls from clouds </s>",
  "Bees make honey from nectar </s>",
  "Snow is frozen water </s>",
  "Mountains form when plates push together </s>",
  "Fish breathe with gills </s>",
];
const DIALOGUES = [
  "User: What causes rain? Assistant: Rain falls when drops in clouds grow heavy. </s>",
  "User: How do mountains form? Assistant: Mountains form when plates push together. </s>",
  "User: Hello Assistant: Hello! How can I help you today? </s>",
  "User: What do bees make? Assistant: Bees make honey. </s>",
];
const QUESTIONS = ["What causes rain?", "How do mountains form?", "Hello", "What do bees make?"];
/** The answers as written in DIALOGUES: decoding puts the spaces back where the text had them. */
const ANSWERS = ["Rain falls when drops in clouds grow heavy.", "Mountains form when plates push together.", "Hello! How can I help you today?", "Bees make honey."];

const dir = tempDir();
const initialThreads = getThreads();
afterAll(() => {
  setThreads(initialThreads);
  rmSync(dir, { recursive: true, force: true });
});
const pre = writeJson(dir, "facts.json", FACTS);
const chat = writeJson(dir, "chat.json", DIALOGUES);
const TINY = [
  "--pretrain-data", pre, "--chat-data", chat, "--pretrain-epochs", "12", "--chat-epochs", "40",
  "--hidden-size", "32", "--intermediate-size", "48", "--layers", "1", "--heads", "2", "--batch-size", "2",
  "--pretrain-lr", "1e-2", "--chat-lr", "1e-2", "--max-seq-len", "24", "--seed", "7",
];
const summaryOf = (d: string) => JSON.parse(readFileSync(join(d, "summary.json"), "utf8"));

let first: AppRun;
const saveA = join(dir, "a");
beforeAll(async () => {
  first = await runCli([...TINY, "--save", saveA, "--eval", "--prompt", "What causes rain?"]);
});

describe("training run", () => {
  it("trains, saves, evaluates and answers", () => {
    expect(first.err).toBe("");
    expect(first.code).toBe(0);
    expect(first.out).toContain(`model saved to ${saveA}`);
    expect(first.out).toMatch(/exact-match: \d\/4\n/);
    const s = summaryOf(saveA);
    for (const p of s.phases) expect(p.epochLosses.at(-1)).toBeLessThan(p.epochLosses[0] * 0.5);
    expect(s.phases.map((p: { name: string }) => p.name)).toEqual(["pre-training", "instruction-tuning"]);
    expect(s.seed).toBe(7);
    expect(s.evaluation.exactMatch.total).toBe(4);
    expect(s.evaluation.exactMatch.matched).toBeGreaterThanOrEqual(3);
    for (const f of ["config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json", "generation_config.json", "loss-curve.svg"]) {
      expect(existsSync(join(saveA, f)), f).toBe(true);
    }
    expect(existsSync(join(saveA, "checkpoint"))).toBe(false); // a finished run removes its checkpoint
    expect(readFileSync(join(saveA, "loss-curve.svg"), "utf8")).toMatch(/^<svg[\s\S]*polyline[\s\S]*polyline[\s\S]*<\/svg>\n$/);
  });

  it("gives the same losses for the same seed, at another --threads (which the run applies)", async () => {
    const saveB = join(dir, "b");
    const asked = getThreads() === 3 ? 2 : 3; // not the count the first run used
    const again = await runCli([...TINY, "--save", saveB, "--no-interactive", "--threads", String(asked)]);
    expect(again.code).toBe(0);
    expect(getThreads()).toBe(asked);
    expect(summaryOf(saveB).phases.map((p: { epochLosses: number[] }) => p.epochLosses)).toEqual(
      summaryOf(saveA).phases.map((p: { epochLosses: number[] }) => p.epochLosses),
    );
  });
});

describe("saved model", () => {
  let piped: AppRun;
  it("answers the same after --load, and the same exact-match (on the dialogues it was trained on)", async () => {
    const loaded = await runCli(["--load", saveA, "--eval", "--prompt", "What causes rain?"]);
    expect(loaded.code).toBe(0);
    const lastLine = (s: string) => s.trimEnd().split("\n").at(-1);
    expect(lastLine(loaded.out)).toBe(lastLine(first.out));
    expect(loaded.out.match(/exact-match: \d\/4/)![0]).toBe(first.out.match(/exact-match: \d\/4/)![0]);
  });

  it("gives the same greedy answers in the llama-infer loader", async () => {
    const inf = await loadModelDir(saveA);
    const tok = await loadTokenizer(saveA);
    piped = await runCli(["--load", saveA], { stdin: QUESTIONS.join("\n") + "\n" });
    const answers = piped.out.trimEnd().split("\n").slice(1); // after the "loaded …" line
    expect(answers).toHaveLength(QUESTIONS.length);
    expect(answers.filter((a, i) => a === ANSWERS[i]).length).toBeGreaterThanOrEqual(3);
    QUESTIONS.forEach((q, i) => {
      const ids = tok.encode(renderDialoguePrompt(q), { addSpecialTokens: false });
      const r = generateAll(inf.model, ids, { stopIds: inf.eosTokenIds });
      expect(tok.decode(r.ids, { skipSpecialTokens: true })).toBe(answers[i]);
    });
    // llama-infer's chat: one session over every question, history kept by the session.
    const session = new ChatSession(inf.model, tok, { stopIds: inf.eosTokenIds });
    for (const [i, q] of QUESTIONS.entries()) {
      const turn = session.send(q);
      let step = turn.next();
      while (!step.done) step = turn.next();
      expect(step.value.text.trim()).toBe(answers[i]);
    }
  });

  it("prints the same text as `llama-infer chat -t 0` on the saved directory", () => {
    const llamaInfer = join(APP_DIR, "../llama-infer/src/main.ts");
    const args = ["--conditions=@mini/source", llamaInfer, "chat", "--model", saveA, "-t", "0"];
    const r = spawnSync(join(APP_DIR, "node_modules/.bin/tsx"), args, { input: QUESTIONS.join("\n") + "\n", encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout.trimEnd().split("\n")).toEqual(piped.out.trimEnd().split("\n").slice(1));
  });

  it("chats from a pipe until 'exit'", async () => {
    const r = await runCli(["--load", saveA], { stdin: "Hello\nexit\nWhat causes rain?\n" });
    expect(r.code).toBe(0);
    expect(r.out.trimEnd().split("\n")).toHaveLength(2); // "loaded …" and one answer
  });

  it("reports words outside the vocabulary", async () => {
    const r = await runCli(["--load", saveA, "--prompt", "What causes purple thunder?"]);
    expect(r.err).toContain("2 words not in the vocabulary became <unk>");
  });
});

describe("interrupt and resume", () => {
  it("resumes an interrupted run to the uninterrupted losses", async () => {
    const saveC = join(dir, "c");
    const stop = new AbortController();
    stop.abort(); // interrupted right after its first step
    const cut = await runCli([...TINY, "--save", saveC, "--no-interactive"], { signal: stop.signal });
    expect(cut.code).toBe(130);
    expect(cut.err).toMatch(/interrupted at epoch 1, step 1; checkpoint saved to .*checkpoint\nresume with: --resume /);
    const resumed = await runCli(["--resume", saveC, "--no-interactive"]);
    expect(resumed.code).toBe(0);
    expect(summaryOf(saveC).phases.map((p: { epochLosses: number[] }) => p.epochLosses)).toEqual(
      summaryOf(saveA).phases.map((p: { epochLosses: number[] }) => p.epochLosses),
    );
  });
});

describe("rustgpt preset", () => {
  it("on RustGPT's data: 532 tokens, and says why RustGPT counts 533", async () => {
    const data = `${SHARED}/data/rustgpt`;
    const r = await runCli([
      "--preset", "rustgpt", "--pretrain-data", join(data, "pretraining_data.json"), "--chat-data", join(data, "chat_training_data.json"),
      "--pretrain-epochs", "0", "--chat-epochs", "0", "--embed-dim", "8", "--hidden-dim", "8", "--layers", "1", "--save", join(dir, "r0"), "--no-interactive",
    ]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/RustGPT preset: [\d,]+ parameters, vocabulary 532 tokens; 25 facts, 53 dialogues\n/);
    expect(r.out).toContain(
      'vocabulary: 529 words and punctuation marks + <unk>, <pad>, </s>. RustGPT counts 533 on the same data: it has no <unk> or <pad>, and it makes "<", "/", ">" of </s> tokens of their own.',
    );
  });

  it("trains RustGPT's architecture and reloads it", async () => {
    const saveR = join(dir, "r");
    const args = ["--preset", "rustgpt", "--pretrain-data", pre, "--chat-data", chat, "--pretrain-epochs", "2", "--chat-epochs", "2"];
    const r = await runCli([...args, "--embed-dim", "16", "--hidden-dim", "24", "--layers", "1", "--save", saveR, "--prompt", "Hello"]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/RustGPT preset: [\d,]+ parameters/);
    expect(existsSync(join(saveR, "rustgpt.json"))).toBe(true);
    const s = summaryOf(saveR);
    expect(s.phases[0].batchSize).toBe(1);
    const loaded = await runCli(["--load", saveR, "--prompt", "Hello"]);
    expect(loaded.out.trimEnd().split("\n").at(-1)).toBe(r.out.trimEnd().split("\n").at(-1));
  });
});
