/**
 * A HuggingFace model directory as one GGUF file: its config, weights (every matrix in `type`),
 * tokenizer and chat template. `llama-infer convert --to gguf` and `rustgpt-ts --save-gguf` both
 * write through this. Atomic (writeGguf).
 */
import { join, readFileSync, resolve } from "#platform/fs";
import { ggufTokenizerMetadata } from "../../tokenizers/gguf/to-gguf.js";
import { loadTokenizerSync } from "../../tokenizers/hf/load.js";
import { readModelConfig } from "../model-dir.js";
import { openSafetensorsSource } from "../safetensors-source.js";
import { writeModelGguf, type GgufWriteType, type WriteModelGgufResult } from "./write.js";

export async function writeModelDirGguf(dir: string, out: string, opts: { type: GgufWriteType; name?: string }): Promise<WriteModelGgufResult> {
  const config = readModelConfig(dir);
  const tokenizerFile = join(resolve(dir), "tokenizer.json");
  const tokenizer = loadTokenizerSync(dir);
  const json: unknown = JSON.parse(readFileSync(tokenizerFile, "utf8"));
  return writeModelGguf(out, {
    config,
    source: await openSafetensorsSource(dir),
    tokenizer: ggufTokenizerMetadata(json, tokenizer, config.vocabSize, tokenizerFile),
    type: opts.type,
    ...(opts.name !== undefined ? { name: opts.name } : {}),
  });
}
