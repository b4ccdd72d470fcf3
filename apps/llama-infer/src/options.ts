/**
 * The command-line options shared by `generate` and `chat`, their defaults, and their translation
 * to @mini/llm options. Range rules are not repeated here: the library validates (OptionError
 * naming its field) and `flagFor` maps the field back to the flag the user typed.
 */
import { Option, type Command } from "commander";
import { checkMaxNewTokens, OptionError, resolveSamplingOptions, type SamplingOptions } from "@mini/llm";

/** Defaults as --help shows them (llama.cpp-like sampling; seed "random" = a fresh one per run). */
export const DEFAULTS = {
  maxNewTokens: 256,
  temperature: 0.8,
  topK: 40,
  topP: 0.95,
  minP: 0,
  repetitionPenalty: 1,
  seed: "random",
} as const;

/** Library option field → command-line flag. */
const FLAGS: Record<string, string> = {
  maxNewTokens: "--max-new-tokens",
  temperature: "--temperature",
  topK: "--top-k",
  topP: "--top-p",
  minP: "--min-p",
  repetitionPenalty: "--repetition-penalty",
  seed: "--seed",
};

export function flagFor(option: string): string {
  return FLAGS[option] ?? option;
}

/** A bad command line (exit code 1, one line, no stack). */
export class UsageError extends Error {
  override name = "UsageError";
}

export function addModelOption(cmd: Command): Command {
  return cmd.requiredOption("-m, --model <path>", "model directory (config.json, model.safetensors, tokenizer.json, tokenizer_config.json) or a .gguf file (required)");
}

export function addGenerationOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option("-n, --max-new-tokens <n>", "most tokens to generate per answer (also stops at end of sequence or full context)").default(DEFAULTS.maxNewTokens))
    .addOption(new Option("-t, --temperature <t>", "sampling temperature; 0 = greedy (argmax)").default(DEFAULTS.temperature))
    .addOption(new Option("--top-k <k>", "keep the k most likely tokens; 0 = off").default(DEFAULTS.topK))
    .addOption(new Option("--top-p <p>", "nucleus: keep the smallest set of tokens whose probability reaches p, in (0, 1]; 1 = off").default(DEFAULTS.topP))
    .addOption(new Option("--min-p <p>", "drop tokens below p × the top probability, in [0, 1]; 0 = off").default(DEFAULTS.minP))
    .addOption(new Option("--repetition-penalty <r>", "HF repetition penalty over the tokens seen so far, > 0; 1 = off").default(DEFAULTS.repetitionPenalty))
    .addOption(new Option("-s, --seed <n>", "sampler seed, an integer ≥ 0").default(DEFAULTS.seed, "random"))
    .addOption(new Option("--stats", "print prompt tokens, prefill and decode speed, time to first token to stderr").default(false));
}

export interface GenerationFlags {
  sampling: SamplingOptions;
  maxNewTokens: number;
  stats: boolean;
}

/** Parses and validates the generation flags (before any model is loaded, so a typo fails fast). */
export function readGenerationFlags(opts: Record<string, unknown>): GenerationFlags {
  const num = (option: string, v: unknown): number => {
    if (typeof v === "number") return v;
    const s = String(v).trim();
    const x = s === "" ? Number.NaN : Number(s);
    if (Number.isNaN(x)) throw new UsageError(`invalid ${flagFor(option)}: must be a number, got ${JSON.stringify(v)}`);
    return x;
  };
  const seed = opts["seed"] === DEFAULTS.seed ? undefined : num("seed", opts["seed"]);
  const sampling: SamplingOptions = {
    temperature: num("temperature", opts["temperature"]),
    topK: num("topK", opts["topK"]),
    topP: num("topP", opts["topP"]),
    minP: num("minP", opts["minP"]),
    repetitionPenalty: num("repetitionPenalty", opts["repetitionPenalty"]),
    ...(seed === undefined ? {} : { seed }),
  };
  try {
    resolveSamplingOptions(sampling);
    return { sampling, maxNewTokens: checkMaxNewTokens(num("maxNewTokens", opts["maxNewTokens"])), stats: opts["stats"] === true };
  } catch (e) {
    throw e instanceof OptionError ? asUsageError(e) : e;
  }
}

/** "invalid --top-p: must be in (0, 1], got 1.5" */
export function asUsageError(e: OptionError): UsageError {
  return new UsageError(`invalid ${flagFor(e.option)}: ${e.rule}, got ${String(e.value)}`);
}

/**
 * `--template-var NAME=VALUE` (repeatable): extra chat-template variables, as the keyword arguments
 * of HF apply_chat_template (e.g. `enable_thinking=false` for Qwen3). VALUE is read as JSON when it
 * parses (false, 3, "x", {…}), else taken as a string.
 */
export function addTemplateVarOption(cmd: Command): Command {
  return cmd.option(
    "--template-var <name=value>",
    "chat-template variable, repeatable, e.g. enable_thinking=false (value as JSON, else a string) (default: none)",
    (v: string, acc: string[] = []) => [...acc, v],
  );
}

export function readTemplateVars(opts: Record<string, unknown>): Record<string, unknown> {
  const vars: Record<string, unknown> = {};
  for (const entry of (opts["templateVar"] as string[] | undefined) ?? []) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(entry);
    if (m === null) throw new UsageError(`invalid --template-var: expected NAME=VALUE with NAME an identifier, got ${JSON.stringify(entry)}`);
    let value: unknown = m[2]!;
    try {
      value = JSON.parse(m[2]!);
    } catch {
      // not JSON: the text itself
    }
    vars[m[1]!] = value;
  }
  return vars;
}
