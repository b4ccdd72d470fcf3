/**
 * `llama-infer convert --to gguf --dtype TYPE MODEL_DIR OUT.gguf`: a HuggingFace model directory
 * as one GGUF file (weights in TYPE, hyper-parameters, tokenizer and chat template) that llama.cpp,
 * ollama or LM Studio run, and that `--model OUT.gguf` runs here. Written atomically.
 */
import { existsSync, statSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { Command, Option } from "commander";
import { GGUF_WRITE_TYPES, writeModelDirGguf, type GgufWriteType } from "@mini/llm/models";
import type { CliIO } from "../io.js";
import { UsageError } from "../options.js";

const DTYPES = GGUF_WRITE_TYPES.map((t) => t.toLowerCase());

export function convertCommand(io: CliIO): Command {
  return new Command("convert")
    .description("convert a model directory to a GGUF file (llama.cpp's format), tokenizer and chat template included")
    .argument("<model-dir>", "HF model directory (config.json, model.safetensors, tokenizer.json)")
    .argument("<out>", "the GGUF file to write (replaced atomically)")
    .addOption(new Option("--to <format>", "output format").choices(["gguf"]).makeOptionMandatory())
    .addOption(new Option("--dtype <type>", "tensor type of the matrices (norms stay f32; q4_0, q4_k, q5_k and the types mini decodes at load write the output matrix as Q6_K, or Q8_0 for rows not a multiple of 256, and other rows that are not whole blocks in llama-quantize's fallback type, as it does; the K and IQ types use simple quantizers)").choices(DTYPES).default("f16"))
    .action(async (modelDir: string, out: string, opts: { dtype: string }) => {
      const dir = resolve(modelDir);
      const target = resolve(out);
      if (!target.toLowerCase().endsWith(".gguf")) throw new UsageError(`${target}: the output file name must end in .gguf`);
      if (!existsSync(dir)) throw new UsageError(`${dir}: model directory does not exist`);
      if (!statSync(dir).isDirectory()) {
        const already = dir.toLowerCase().endsWith(".gguf") ? " (a .gguf file is GGUF already: run it with --model)" : "";
        throw new UsageError(`${dir}: is a file; convert reads a HuggingFace model directory (config.json, model.safetensors, tokenizer.json)${already}`);
      }
      if (existsSync(join(dir, "rustgpt.json")) && !existsSync(join(dir, "config.json"))) {
        throw new UsageError(`${dir}: a RustGPT-preset model (rustgpt.json), whose architecture no GGUF one computes; convert takes Llama-family directories (config.json)`);
      }
      const type = opts.dtype.toUpperCase() as GgufWriteType;
      const r = await writeModelDirGguf(dir, target, { type, name: basename(dir) });
      const mb = (statSync(target).size / 1e6).toFixed(1);
      const output = r.outputType === type ? "" : `, the output matrix ${r.outputType}`;
      io.stderr.write(`wrote ${target} (${r.tensors} tensors, ${type}${output}, ${mb} MB)\n`);
      for (const w of r.warnings) io.stderr.write(`warning: ${w}\n`);
      if (r.fallbacks.length > 0) {
        io.stderr.write(`note: ${r.fallbacks.length} tensor(s) written in llama-quantize's fallback type (or F16), their rows not being whole ${type} blocks: ${r.fallbacks.slice(0, 4).join(", ")}${r.fallbacks.length > 4 ? ", …" : ""}\n`);
      }
    });
}
