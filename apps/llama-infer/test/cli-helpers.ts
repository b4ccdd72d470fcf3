/**
 * What the CLI tests share: the story fixtures, a real `llama-infer` process, the same CLI run
 * in-process with captured streams, and the one-line-error check.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";
import { runCli } from "../src/cli.js";

// ../shared beside the checkout (vitest.shared.ts sets MINI_SHARED from the repo root).
export const SHARED = process.env["MINI_SHARED"]!;

export const APP = join(dirname(fileURLToPath(import.meta.url)), "..");
export const STORY = `${SHARED}/models/story`;
export const CHAT_TOKENIZER = `${SHARED}/models/chat-tokenizer`;
export interface Fixture {
  prompt: string;
  greedy: { ids: number[]; continuation_text: string };
}
export const FIXTURES = [1, 2, 3, 4].map((i) => JSON.parse(readFileSync(`${SHARED}/reference/story/prompt_0${i}.json`, "utf8")) as Fixture);
export const fixture = FIXTURES[0]!;

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** A real process: `node --import tsx --conditions=@mini/source src/main.ts …` (or the bin). */
export function spawnCli(args: string[], opts: { input?: string; bin?: boolean } = {}): Promise<Run> {
  const argv = opts.bin ? [join(APP, "bin/llama-infer.mjs"), ...args] : ["--import", "tsx", "--conditions=@mini/source", "src/main.ts", ...args];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, argv, { cwd: APP, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(opts.input ?? "");
  });
}

/** The same CLI in this process, with captured streams. */
export async function runInProcess(args: string[], input = ""): Promise<Run> {
  let stdout = "";
  let stderr = "";
  const code = await runCli(args, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    stdin: Readable.from([input]),
    interactive: false,
  });
  return { code, stdout, stderr };
}

export function expectOneLineError(r: Run, message: string | RegExp): void {
  expect(r.code).not.toBe(0);
  expect(r.stdout).toBe("");
  const lines = r.stderr.split("\n").filter((l) => l !== "");
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(typeof message === "string" ? new RegExp(`^error: .*${escapeRegExp(message)}`) : message);
  expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
}

export function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
