/**
 * Bad input gives one line naming the file or entry and what was expected, and a non-zero exit
 * code without a stack trace: data files, options, and checkpoints or models of another
 * configuration.
 */
import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { APP_DIR, buildProgram, parseArgs, userCwd } from "../src/cli.js";
import { runCli, tempDir, writeJson } from "./helpers.js";

const dir = tempDir();
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const facts = writeJson(dir, "facts.json", ["The sun is hot </s>", "Snow is cold </s>"]);
const chat = writeJson(dir, "chat.json", ["User: Is the sun hot? Assistant: Yes, the sun is hot. </s>"]);
const TINY = ["--pretrain-epochs", "1", "--chat-epochs", "1", "--embed-dim", "8", "--hidden-dim", "8", "--layers", "1", "--heads", "1", "--no-interactive"];
const withData = (p: string, c: string) => ["--pretrain-data", p, "--chat-data", c, ...TINY, "--save", join(dir, "out")];

describe("data files", () => {
  it.each([
    ["a missing file", () => withData(join(dir, "nope.json"), chat), /nope\.json: file not found/],
    ["malformed JSON", () => withData(writeJson(dir, "bad.json", '["a" "b"]'), chat), /bad\.json: malformed JSON/],
    ["a non-array", () => withData(writeJson(dir, "obj.json", { facts: [] }), chat), /obj\.json: expected a JSON array of strings, got an object/],
    ["an empty dataset", () => withData(facts, writeJson(dir, "empty.json", [])), /empty\.json: the dataset is empty/],
    ["a non-string entry", () => withData(writeJson(dir, "num.json", ["ok </s>", 3]), chat), /num\.json\[1\]: expected a string, got number 3/],
    [
      "a dialogue without 'Assistant:'",
      () => withData(facts, writeJson(dir, "noassist.json", ["User: Hi Assistant: Hello </s>", "User: Hi there </s>"])),
      /noassist\.json\[1\]: dialogue has no "Assistant:"/,
    ],
    ["a sequence longer than the maximum", () => [...withData(facts, chat), "--max-seq-len", "8"], /chat\.json\[0\]: text is 17 tokens long; the maximum sequence length is 8/],
  ])("%s", async (_what, args, message) => {
    await expect(runCli(args())).rejects.toThrow(message);
  });
});

describe("options", () => {
  it.each([
    [["--batch-size", "0"], /option '--batch-size <n>' argument '0' is invalid\. expected an integer from 1 to 4,096, got "0"/],
    [["--seed", "1e30"], /option '--seed <n>' argument '1e30' is invalid\. expected an integer from 0 to 4,294,967,295/],
    [["--max-seq-len", "1e9"], /option '--max-seq-len <n>' argument '1e9' is invalid\. expected an integer from 2 to 8,192/],
    [["--top-p", "1.5"], /--top-p <x>' argument '1\.5' is invalid\. expected a number > 0 and ≤ 1/],
    [["--preset", "gpt5"], /argument 'gpt5' is invalid\. Allowed choices are tiny-llama, rustgpt/],
    [["--threads", "300"], /option '--threads <n>' argument '300' is invalid\. expected a whole number of threads from 1 to 256, got "300"/],
    [["--frobnicate"], /unknown option '--frobnicate'/],
  ])("%j is refused with exit code 1", async (args, message) => {
    const r = await runCli(args);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(message);
  });

  it("lists every option with its default in --help", async () => {
    const r = await runCli(["--help"]);
    expect(r.code).toBe(0);
    for (const flag of [
      "--pretrain-data", "--chat-data", "--pretrain-epochs", "--chat-epochs", "--pretrain-lr", "--chat-lr", "--batch-size",
      "--hidden-size", "--intermediate-size", "--embed-dim", "--hidden-dim", "--layers", "--heads", "--max-seq-len", "--seed", "--save", "--load", "--resume",
      "--prompt", "--eval", "--no-interactive", "--temperature", "--top-k", "--top-p", "--preset",
    ]) {
      expect(r.out).toContain(flag);
    }
    expect(r.out).toMatch(/--hidden-size <n>\s+model \(embedding\) width \(default: 64; with --preset\s+rustgpt: 128\)/);
    expect(r.out).toMatch(/--embed-dim <n>\s+deprecated: the same as --hidden-size/);
  });
});

describe("the save directory, checked before training", () => {
  it.each([
    ["under /proc", "/proc/mini-rustgpt-test/out", /^--save \/proc\/mini-rustgpt-test\/out: cannot write there \(E[A-Z]+\); expected a writable directory$/],
    ["inside a file", join(facts, "out"), /^--save .*facts\.json\/out: .*facts\.json is a file, expected a directory$/],
  ])("%s fails at once, naming the option", async (_what, save, message) => {
    const t0 = performance.now();
    await expect(runCli(["--pretrain-data", facts, "--chat-data", chat, ...TINY, "--pretrain-epochs", "1000000", "--save", save])).rejects.toThrow(message);
    expect(performance.now() - t0).toBeLessThan(20_000); // not after a million epochs (tens of minutes)
  });
});

describe("hyperparameter names", () => {
  it("--hidden-size / --intermediate-size (HF's names); --embed-dim / --hidden-dim still work as aliases", () => {
    const o = parseArgs(["--hidden-size", "32", "--intermediate-size", "48"], buildProgram(), dir);
    expect([o.hiddenSize, o.intermediateSize]).toEqual([32, 48]);
    const old = parseArgs(["--embed-dim", "32", "--hidden-dim", "48"], buildProgram(), dir);
    expect([old.hiddenSize, old.intermediateSize]).toEqual([32, 48]);
    expect(old.given.has("hiddenSize")).toBe(true);
    expect(() => parseArgs(["--embed-dim", "32", "--hidden-size", "16"], buildProgram(), dir)).toThrow(/--embed-dim 32 \(deprecated alias\) contradicts --hidden-size 16/);
  });
});

describe("relative paths", () => {
  it("resolve against the directory the command was run in (INIT_CWD under pnpm), not the app folder", () => {
    const o = parseArgs(["--pretrain-data", "facts.json", "--save", "out", "--load", "m"], buildProgram(), dir);
    expect(o.pretrainData).toBe(join(dir, "facts.json"));
    expect(o.save).toBe(join(dir, "out"));
    expect(o.load).toBe(join(dir, "m"));
    expect(userCwd({ INIT_CWD: dir })).toBe(dir);
    expect(userCwd({})).toBe(process.cwd());
  });
});

describe("saved runs of another configuration", () => {
  it("refuses to resume with other dimensions, and to --load with them", async () => {
    const save = join(dir, "run");
    const stop = new AbortController();
    stop.abort();
    const cut = await runCli(["--pretrain-data", facts, "--chat-data", chat, ...TINY, "--save", save], { signal: stop.signal });
    expect(cut.code).toBe(130);
    await expect(runCli(["--resume", save, "--embed-dim", "16"])).rejects.toThrow(
      /checkpoint from a different configuration: it has --hidden-size 8, the command line gives 16/,
    );
    const done = await runCli(["--pretrain-data", facts, "--chat-data", chat, ...TINY, "--save", join(dir, "done")]);
    expect(done.code).toBe(0);
    await expect(runCli(["--load", join(dir, "done"), "--layers", "3", "--prompt", "Hi"])).rejects.toThrow(
      /done: checkpoint from a different configuration: it has --layers 1, the command line gives 3/,
    );
    await expect(runCli(["--load", join(dir, "nothing-here")])).rejects.toThrow(/nothing-here: model directory does not exist/);
  });
});

describe("the process", () => {
  it("prints one line, no stack trace, and exits with 1", () => {
    const tsx = join(APP_DIR, "node_modules/.bin/tsx");
    const r = spawnSync(tsx, ["--conditions=@mini/source", join(APP_DIR, "src/main.ts"), "--pretrain-data", join(dir, "nope.json")], {
      encoding: "utf8",
      env: { ...process.env, RUSTGPT_DEBUG: "" },
    });
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe(`error: ${join(dir, "nope.json")}: file not found`);
  });

  it("the bin runs the built app with plain node (no tsx): the same one line and exit code 1", () => {
    const r = spawnSync(process.execPath, [join(APP_DIR, "bin/rustgpt-ts.mjs"), "--pretrain-data", join(dir, "nope.json")], {
      encoding: "utf8",
      env: { ...process.env, RUSTGPT_DEBUG: "", NODE_OPTIONS: "" },
      timeout: 120_000,
    });
    expect(r.stderr).toBe(`error: ${join(dir, "nope.json")}: file not found\n`);
    expect(r.status).toBe(1);
  });
});
