/**
 * Shared helpers of the llama-*.test.ts files: fixtures, temp dirs, argmax/diff, and conversion
 * of a model directory's weights to F16/BF16 (through the loader's streaming writer).
 */
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readSafetensors, writeSafetensors, type WritableDtype } from "@mini/tensor";
// ../shared beside the checkout (vitest.shared.ts sets MINI_SHARED from the repo root).
const SHARED = process.env["MINI_SHARED"]!;

export const STORY_DIR = `${SHARED}/models/story`;
export const STORY_REF_DIR = `${SHARED}/reference/story`;
export const CHAT_TOKENIZER_DIR = `${SHARED}/models/chat-tokenizer`;

export interface StoryFixture {
  prompt: string;
  prompt_ids: number[];
  last_logits: number[];
  argmax_per_position: number[];
  argmax_margin_per_position: number[];
  greedy: { ids: number[]; margins: number[]; min_margin: number };
}

export function storyFixtures(): { name: string; fx: StoryFixture }[] {
  return readdirSync(STORY_REF_DIR)
    .filter((f) => /^prompt_\d+\.json$/.test(f))
    .sort()
    .map((name) => ({ name, fx: JSON.parse(readFileSync(join(STORY_REF_DIR, name), "utf8")) as StoryFixture }));
}

export function argmax(x: ArrayLike<number>, off = 0, n = x.length - off): number {
  let best = 0;
  for (let i = 1; i < n; i++) if (x[off + i]! > x[off + best]!) best = i;
  return best;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>, aOff = 0, bOff = 0, n = a.length - aOff): number {
  let m = 0;
  for (let i = 0; i < n; i++) m = Math.max(m, Math.abs(a[aOff + i]! - b[bOff + i]!));
  return m;
}

export function makeTempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `mini-llm-${prefix}-`));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Copies a model directory with its single model.safetensors rewritten in `dtype` (metadata kept). */
export function convertModelDir(src: string, dst: string, dtype: WritableDtype): void {
  for (const f of readdirSync(src)) if (f !== "model.safetensors") copyFileSync(join(src, f), join(dst, f));
  const file = readSafetensors(join(src, "model.safetensors"));
  const entries = file.names().map((name) => ({ name, shape: file.info(name).shape, values: () => file.get(name).data }));
  writeSafetensors(join(dst, "model.safetensors"), entries, file.metadata, { dtype });
}

/** The weights of a model directory's single model.safetensors by name, as float32 (for the float64 reference forward). */
export function fileWeights(dir: string): (name: string) => Float32Array {
  const file = readSafetensors(join(dir, "model.safetensors"));
  const cache = new Map<string, Float32Array>();
  return (name) => {
    let w = cache.get(name);
    if (w === undefined) {
      w = file.get(name).data.slice();
      cache.set(name, w);
    }
    return w;
  };
}

export function exists(path: string): boolean {
  return existsSync(path);
}
