/**
 * Synthesizes a seeded random model directory from a HuggingFace config.json: the shapes of a
 * real model without its weights, for benchmarks and tests (e.g. the 32M Mistral-shaped chat
 * model of shared/models/chat-tokenizer), for every family the loader reads (the config's
 * model_type decides the tensors: biases, q/k norms, experts). Matrices and biases are
 * Normal(0, std²) (std 0.02 as HF's initializer_range), norm weights 1 (or 1 + Normal(0, normStd²)),
 * names HF-standard; the tokenizer files are copied from `tokenizerDir`. Write it under
 * os.tmpdir(): generated weights are never committed.
 */
import { copyFileSync, existsSync, join, mkdirSync } from "#platform/fs";
import { createRng, writeFileAtomic, writeSafetensors, type SafetensorsEntry, type WritableDtype } from "@mini/tensor";
import { parseLlamaConfig } from "./models/llama/config.js";
import { expectedTensors } from "./models/llama/weights.js";

export interface SynthesizeOptions {
  /** The content of an HF config.json (validated as the loader would). */
  config: Record<string, unknown>;
  /** Directory to copy tokenizer.json, tokenizer_config.json, generation_config.json, special_tokens_map.json from. */
  tokenizerDir?: string;
  outDir: string;
  seed: number;
  /** Standard deviation of the matrices and biases. Default 0.02. */
  std?: number;
  /**
   * Norm weights are 1 + Normal(0, normStd²). Default 0 (all 1, as a fresh HF model); tests set it
   * so that a norm weight applied to the wrong element shows.
   */
  normStd?: number;
  /** Stored dtype of the weights. Default F32. */
  dtype?: WritableDtype;
}

const COPIED = ["tokenizer.json", "tokenizer_config.json", "generation_config.json", "special_tokens_map.json", "added_tokens.json"];

/** Writes the directory; returns its path. Deterministic: the same options give the same bytes. */
export function synthesizeModelDir(opts: SynthesizeOptions): string {
  const configFile = join(opts.outDir, "config.json");
  const config = parseLlamaConfig(opts.config, configFile);
  const std = opts.std ?? 0.02;
  const normStd = opts.normStd ?? 0;
  mkdirSync(opts.outDir, { recursive: true });
  writeFileAtomic(configFile, `${JSON.stringify(opts.config, null, 2)}\n`);

  // Tensors in sorted name order (as transformers writes them), each drawn from its own stream
  // forked in that order, so one tensor's values do not depend on the others' sizes.
  const rng = createRng(opts.seed);
  const shapes = [...expectedTensors(config)].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const entries: SafetensorsEntry[] = shapes.map(([name, shape]) => {
    const stream = rng.fork();
    return {
      name,
      shape,
      values: () => {
        const v = new Float32Array(shape.reduce((a, b) => a * b, 1));
        if (name.endsWith("norm.weight")) for (let i = 0; i < v.length; i++) v[i] = 1 + (normStd === 0 ? 0 : stream.normal() * normStd);
        else for (let i = 0; i < v.length; i++) v[i] = stream.normal() * std;
        return v;
      },
    };
  });
  writeSafetensors(join(opts.outDir, "model.safetensors"), entries, { format: "pt" }, { dtype: opts.dtype ?? "F32" });

  if (opts.tokenizerDir !== undefined) {
    for (const f of COPIED) {
      const src = join(opts.tokenizerDir, f);
      if (existsSync(src)) copyFileSync(src, join(opts.outDir, f));
    }
  }
  return opts.outDir;
}
