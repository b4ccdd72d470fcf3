/**
 * `--save-gguf FILE`: the trained model as a GGUF file llama.cpp runs (written from the saved
 * HuggingFace directory by @mini/llm's writeModelDirGguf, F32, atomically). What cannot be
 * exported is refused before training, in one line:
 *   - the rustgpt preset, whose architecture is not one llama.cpp has;
 *   - the word-level tokenizer, which no GGUF tokenizer reproduces (llama.cpp's only word-based
 *     one, WordPiece "bert", lowercases, strips accents and splits non-ASCII punctuation; the
 *     word-level rule keeps case and drops spaces, which BPE "gpt2" and SentencePiece "llama" keep).
 *     --tokenizer bpe trains a byte-level BPE, written as "gpt2".
 */
import { accessSync, constants, existsSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { writeModelDirGguf } from "@mini/llm/models";
import { AppError } from "./errors.js";

export const RUSTGPT_NOT_GGUF =
  "--save-gguf: the rustgpt preset is RustGPT's own architecture (learned positions, post-LayerNorm blocks, single-head attention without an output projection, a ReLU MLP with biases), which no GGUF architecture of llama.cpp computes; train the default preset (a Llama) to export GGUF";
export const WORD_LEVEL_NOT_GGUF =
  "--save-gguf needs --tokenizer bpe: the word-level vocabulary (case kept, spaces dropped) has no GGUF tokenizer that llama.cpp runs the same way (its WordPiece \"bert\" lowercases and strips accents); a byte-level BPE is written as \"gpt2\"";

/** Refuses, before any work, a file name or place the GGUF cannot be written to. */
export function checkGgufTarget(file: string): void {
  if (!file.toLowerCase().endsWith(".gguf")) throw new AppError(`--save-gguf ${file}: the file name must end in .gguf`);
  const dir = dirname(file);
  if (existsSync(file) && statSync(file).isDirectory()) throw new AppError(`--save-gguf ${file}: is a directory, expected a file name`);
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    throw new AppError(`--save-gguf ${file}: cannot write in ${dir} (missing or not writable)`);
  }
}

/** Refuses a model that cannot become GGUF (the preset, then the tokenizer.json it uses). */
export function checkGgufExportable(preset: string, tokenizerJson: Record<string, unknown>): void {
  if (preset === "rustgpt") throw new AppError(RUSTGPT_NOT_GGUF);
  const model = tokenizerJson["model"] as { type?: unknown } | undefined;
  if (model?.type !== "BPE") throw new AppError(WORD_LEVEL_NOT_GGUF);
}

/** Writes the saved model directory `dir` as `file`; returns the line to print. */
export async function saveGguf(dir: string, file: string): Promise<string> {
  const r = await writeModelDirGguf(dir, file, { type: "F32", name: "rustgpt-ts" });
  return `GGUF saved to ${file} (${r.tensors} tensors, F32; runs in llama.cpp)`;
}
