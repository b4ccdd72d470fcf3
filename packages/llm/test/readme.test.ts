/**
 * The README's examples run as written: every ```ts block of its "## Examples" section is saved
 * inside the package (so `@mini/llm` resolves by self-reference, as in a user's package) and run
 * with `tsx --conditions=@mini/source` from the package directory. The examples find the story
 * model through MINI_SHARED, which vitest.shared.ts sets as for every test. Both run at once:
 * startup dominates.
 */
import { spawn } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";

const pkg = join(import.meta.dirname, "..");
const tsx = join(pkg, "..", "..", "node_modules", ".bin", "tsx");

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The ```ts blocks of the README section that starts with `heading` (up to the next "## "). */
function codeBlocks(readme: string, heading: string): string[] {
  const start = readme.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`README.md has no "${heading}" section`);
  const end = readme.indexOf("\n## ", start + heading.length + 2);
  const section = readme.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

function runExample(code: string, index: number): Promise<Run> {
  const file = join(pkg, `.readme-example-${process.pid}-${index}.ts`);
  writeFileSync(file, code);
  // MINI_SHARED comes from the test environment, as a user's shell would give it.
  const env = { ...process.env };
  return new Promise<Run>((resolve, reject) => {
    const child = spawn(tsx, ["--conditions=@mini/source", file], { cwd: pkg, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill(), 120_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  }).finally(() => rmSync(file, { force: true }));
}

describe("README examples", () => {
  let runs: Run[];
  beforeAll(async () => {
    const blocks = codeBlocks(readFileSync(join(pkg, "README.md"), "utf8"), "## Examples");
    expect(blocks).toHaveLength(2);
    runs = await Promise.all(blocks.map((code, i) => runExample(code, i)));
  }, 180_000);

  it("generate + StreamDecoder prints the prompt and the fixture's 60-token greedy continuation", () => {
    const [r] = runs;
    expect(r!.stderr).not.toMatch(/Error/);
    expect(r!.code).toBe(0);
    const fixture = JSON.parse(readFileSync(join(process.env["MINI_SHARED"]!, "reference/story/prompt_01.json"), "utf8")) as {
      greedy: { full_text: string };
    };
    expect(r!.stdout.startsWith(`${fixture.greedy.full_text}\n`)).toBe(true);
    expect(r!.stdout).toMatch(/\n\[60 new tokens, finish: length, first token after [\d.]+ ms\]\n$/);
  });

  it("ChatSession answers two turns, the second mostly from the KV cache", () => {
    const [, r] = runs;
    expect(r!.stderr).not.toMatch(/Error/);
    expect(r!.code).toBe(0);
    const turns = [...r!.stdout.matchAll(/\[prompt (\d+) tokens, (\d+) of them already in the KV cache\]/g)].map((m) => ({
      prompt: Number(m[1]),
      reused: Number(m[2]),
    }));
    expect(turns).toHaveLength(2);
    expect(turns[0]!.reused).toBe(0);
    // The whole first turn (prompt + answer) is cached; only the new user turn is fed.
    expect(turns[1]!.reused).toBeGreaterThan(turns[0]!.prompt);
    expect(turns[1]!.reused).toBeLessThan(turns[1]!.prompt);
    expect(r!.stdout).toContain("> Tell me about a cat.\n");
    expect(r!.stdout).toContain("> What did the cat do next?\n");
    expect(r!.stdout.trimEnd().endsWith("5 messages")).toBe(true);
  });
});
