/**
 * `llama-infer synth --config FILE --tokenizer DIR --out DIR --seed N`: writes a seeded random
 * model directory with the shapes of `config.json` (for benchmarks and tests; weights are noise).
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { Command, Option } from "commander";
import { parseLlamaConfig } from "@mini/llm/models";
import { synthesizeModelDir } from "@mini/llm/testing";
import type { CliIO } from "../io.js";
import { UsageError } from "../options.js";

export function synthCommand(io: CliIO): Command {
  return new Command("synth")
    .description("write a random model directory (seeded) with the shapes of a config.json, for benchmarks and tests")
    .requiredOption("-c, --config <file>", "HF config.json giving the architecture and sizes (required)")
    .option("--tokenizer <dir>", "directory to copy tokenizer.json, tokenizer_config.json, … from (default: none)")
    .requiredOption("-o, --out <dir>", "output directory, created if missing (required)")
    .addOption(new Option("-s, --seed <n>", "seed of the weights, an integer ≥ 0").default(0))
    .action((opts: { config: string; tokenizer?: string; out: string; seed: unknown }) => {
      const seed = Number(opts.seed);
      if (!Number.isSafeInteger(seed) || seed < 0) throw new UsageError(`invalid --seed: must be an integer ≥ 0, got ${String(opts.seed)}`);
      const configFile = resolve(opts.config);
      const config = readJsonObject(configFile);
      // Validated here too, so a bad field is reported against the user's file, not the copy in --out.
      parseLlamaConfig(config, configFile);
      if (opts.tokenizer !== undefined) {
        const dir = resolve(opts.tokenizer);
        if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`${dir}: tokenizer directory does not exist`);
      }
      const outDir = resolve(opts.out);
      if (existsSync(outDir) && !statSync(outDir).isDirectory()) throw new UsageError(`--out ${outDir}: is a file; expected a directory (created if missing)`);
      const out = synthesizeModelDir({
        config,
        outDir,
        seed,
        ...(opts.tokenizer === undefined ? {} : { tokenizerDir: resolve(opts.tokenizer) }),
      });
      io.stderr.write(`wrote ${out}\n`);
    });
}

function readJsonObject(file: string): Record<string, unknown> {
  if (!existsSync(file)) throw new UsageError(`${file}: config file does not exist`);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new UsageError(`${file}: not valid JSON (${(e as Error).message})`);
  }
  if (json === null || typeof json !== "object" || Array.isArray(json)) throw new UsageError(`${file}: expected a JSON object`);
  return json as Record<string, unknown>;
}
