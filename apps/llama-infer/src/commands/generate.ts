/** `llama-infer generate --model DIR --prompt TEXT`: prints the prompt and streams its continuation. */
import { Command } from "commander";
import { ContinuationDecoder, generate, Sampler } from "@mini/llm";
import type { CliIO } from "../io.js";
import { addDtypeOption, readDtype } from "../kernel-options.js";
import { loadModel } from "../load.js";
import { addGenerationOptions, addModelOption, readGenerationFlags } from "../options.js";
import { formatStats } from "../stats.js";

export function generateCommand(io: CliIO): Command {
  const cmd = new Command("generate").description("continue a prompt, streaming the text as it is generated");
  addModelOption(cmd);
  addDtypeOption(cmd);
  cmd.requiredOption("-p, --prompt <text>", "the text to continue; the tokenizer adds BOS as the model expects (required)");
  cmd.option("--no-echo", "print only the continuation, not the prompt before it (default: the prompt is echoed)");
  addGenerationOptions(cmd);
  cmd.action(async (opts: Record<string, unknown>) => {
    const flags = readGenerationFlags(opts);
    const sampler = new Sampler(flags.sampling);
    const { model, tokenizer, eosIds, loadMs } = await loadModel(String(opts["model"]), readDtype(opts));
    const prompt = String(opts["prompt"]);
    const promptIds = tokenizer.encode(prompt);
    // Throws before any output if the prompt does not fit the context.
    const gen = generate(model, promptIds, { sampler, maxNewTokens: flags.maxNewTokens, stopIds: eosIds });
    const text = new ContinuationDecoder(tokenizer, promptIds);
    const out = io.stdout;
    if (opts["echo"] !== false) out.write(prompt);
    let step = gen.next();
    for (; !step.done; step = gen.next()) out.write(text.push(step.value));
    out.write(`${text.flush()}\n`);
    if (flags.stats) io.stderr.write(`${formatStats(step.value, { "load": `${loadMs.toFixed(0)} ms`, seed: sampler.seed })}\n`);
  });
  return cmd;
}
