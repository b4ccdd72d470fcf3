/**
 * The built CLI is plain JavaScript that needs nothing installed: dist/cli/llama-infer.mjs, copied
 * alone into a temporary folder outside the workspace (no node_modules anywhere above it, so no
 * tsx, no commander, no @mini packages to resolve), runs `generate` and `chat` with plain node and
 * gives the fixture's greedy continuation.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const SHARED = process.env["MINI_SHARED"]!;
const APP = join(dirname(fileURLToPath(import.meta.url)), "..");
const STORY = join(SHARED, "models", "story");
const fixture = JSON.parse(readFileSync(join(SHARED, "reference", "story", "prompt_03.json"), "utf8")) as {
  prompt: string;
  greedy: { ids: number[]; continuation_text: string };
};

let dir: string;
let cli: string;
/** No NODE_OPTIONS/NODE_PATH from the test runner: node as a user's shell starts it. */
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("NODE_") && !k.startsWith("VITEST") && k !== "npm_config_user_agent"));

beforeAll(() => {
  execFileSync(process.execPath, [join(APP, "scripts", "build.mjs")], { stdio: "ignore" });
  dir = mkdtempSync(join(tmpdir(), "llama-infer-built-"));
  mkdirSync(join(dir, "cli"));
  cli = join(dir, "cli", "llama-infer.mjs");
  copyFileSync(join(APP, "dist", "cli", "llama-infer.mjs"), cli);
  cpSync(join(APP, "web"), join(dir, "web"), { recursive: true });
}, 120_000);
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const run = (args: string[], input?: string, extraEnv: Record<string, string> = {}) =>
  spawnSync(process.execPath, [cli, ...args], { cwd: dir, env: { ...env, ...extraEnv }, encoding: "utf8", timeout: 60_000, ...(input !== undefined ? { input } : {}) });

describe("the built single-file CLI", () => {
  it("has no package to resolve beside it: tsx is not installed there", () => {
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", 'await import("tsx")'], { cwd: dir, env, encoding: "utf8" });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/Cannot find package 'tsx'/);
  });

  it("generate --temperature 0 prints the fixture's greedy continuation with plain node", () => {
    const r = run(["generate", "--model", STORY, "--prompt", fixture.prompt, "--temperature", "0", "--max-new-tokens", String(fixture.greedy.ids.length)]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`${fixture.prompt}${fixture.greedy.continuation_text}\n`);
  });

  it("chat from a pipe and --help work; a bad option is one line and exit code 1", () => {
    const chat = run(["chat", "--model", STORY, "--temperature", "0", "--max-new-tokens", "12"], "Tell me about a cat.\n");
    expect(chat.status).toBe(0);
    expect(chat.stdout.trim().length).toBeGreaterThan(5);
    expect(run(["--help"]).stdout).toMatch(/generate/);
    const bad = run(["generate", "--model", STORY, "--prompt", "hi", "--top-p", "1.5"]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toBe("error: invalid --top-p: must be in (0, 1], got 1.5\n");
  });

  it("uses relaxed SIMD on plain node (Node 20: the CLI sets V8's flag itself) and names the kernels in --stats; q8_0's int8 dot gives SIMD128's bits", () => {
    const args = ["generate", "--model", STORY, "--prompt", fixture.prompt, "--temperature", "0", "--max-new-tokens", "10", "--dtype", "q8_0", "--threads", "1", "--stats"];
    const relaxed = run(args);
    const plain = run(args, undefined, { MINI_NO_RELAXED_SIMD: "1" });
    expect(relaxed.status).toBe(0);
    expect(relaxed.stderr).toMatch(/\[stats\] kernels: WASM relaxed SIMD \(FMA, int8 dot\), 1 thread\n/);
    expect(plain.stderr).toMatch(/\[stats\] kernels: WASM SIMD128, 1 thread\n/);
    expect(relaxed.stdout).toBe(plain.stdout);
  });

  it("MINI_THREADS sets the kernel threads where --threads is not given (--threads wins), with the same text; a bad value is one line naming it", () => {
    const args = ["generate", "--model", STORY, "--prompt", fixture.prompt, "--temperature", "0", "--max-new-tokens", "10", "--stats"];
    const three = run(args, undefined, { MINI_THREADS: "3" });
    const one = run([...args, "--threads", "1"], undefined, { MINI_THREADS: "3" });
    expect(three.status).toBe(0);
    expect(three.stderr).toMatch(/\[stats\] kernels: WASM [^\n]*, 3 threads\n/);
    expect(one.stderr).toMatch(/\[stats\] kernels: WASM [^\n]*, 1 thread\n/);
    expect(three.stdout).toBe(one.stdout);
    const bad = run(args, undefined, { MINI_THREADS: "lots" });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toBe('error: MINI_THREADS: expected a whole number of threads from 1 to 256, got "lots"\n');
  });
});
