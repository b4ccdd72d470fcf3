/**
 * Command line: every option of the app, its default, and the values of `--preset rustgpt`.
 *
 * Options whose default depends on the preset are resolved after parsing: an option the user did
 * not give takes the preset's value (commander's getOptionValueSource tells given from default).
 */
import { parseThreads } from "@mini/tensor";
import { Command, InvalidArgumentError, Option } from "commander";
import { AppError } from "./errors.js";
import { fileURLToPath } from "node:url";
import path from "node:path";

/** The app folder (…/apps/rustgpt-ts), so default paths work from any working directory. */
export const APP_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/**
 * The directory the user ran the command in: `pnpm --filter rustgpt-ts start` runs the script in
 * the app folder but says where it was called from in INIT_CWD. Relative paths resolve against it.
 */
export function userCwd(env: NodeJS.ProcessEnv = process.env): string {
  return env["INIT_CWD"] !== undefined && env["INIT_CWD"] !== "" ? env["INIT_CWD"] : process.cwd();
}

export type PresetName = "tiny-llama" | "rustgpt";

/** What one run does, fully resolved. */
export interface RunOptions {
  preset: PresetName;
  pretrainData: string;
  chatData: string;
  pretrainEpochs: number;
  chatEpochs: number;
  pretrainLr: number;
  chatLr: number;
  batchSize: number;
  /** Model width (HF's hidden_size; --hidden-size, formerly --embed-dim). */
  hiddenSize: number;
  /** Feed-forward width (HF's intermediate_size; --intermediate-size, formerly --hidden-dim). */
  intermediateSize: number;
  layers: number;
  heads: number;
  maxSeqLen: number;
  seed: number;
  clipNorm: number;
  schedule: "constant" | "cosine";
  checkpointEvery: number;
  save: string;
  /** --save-gguf: also write the model as this GGUF file. */
  saveGguf: string | undefined;
  /** The vocabulary: RustGPT's word-level rule, or a byte-level BPE trained on the data. */
  tokenizer: "word" | "bpe";
  /** Tokens of the BPE vocabulary (specials and the 256 bytes included). */
  vocabSize: number;
  load: string | undefined;
  resume: string | undefined;
  prompt: string | undefined;
  eval: boolean;
  interactive: boolean;
  temperature: number;
  topK: number;
  topP: number;
  /** Threads the kernels use (--threads; undefined = MINI_THREADS, else every core). */
  threads?: number;
  /** Options the user gave explicitly (checked against a loaded model's configuration). */
  given: ReadonlySet<keyof RunOptions>;
}

/** Values that differ between the default Llama-shaped model and RustGPT's own setup. */
const PRESETS: Record<PresetName, Partial<RunOptions>> = {
  "tiny-llama": {
    pretrainEpochs: 40, chatEpochs: 60, pretrainLr: 3e-3, chatLr: 2e-3, batchSize: 16,
    hiddenSize: 64, intermediateSize: 192, layers: 2, heads: 4, clipNorm: 1, schedule: "cosine",
  },
  // RustGPT: batch 1 in file order, Adam, 100 epochs at 5e-4 then 100 at 1e-4, no clipping.
  rustgpt: {
    pretrainEpochs: 100, chatEpochs: 100, pretrainLr: 5e-4, chatLr: 1e-4, batchSize: 1,
    hiddenSize: 128, intermediateSize: 256, layers: 3, heads: 1, clipNorm: 0, schedule: "constant",
  },
};

/** An integer in [min, max]: checked at parse time, so a bad value fails before any work. */
const int = (min: number, max: number) => (v: string): number => {
  const n = Number(v);
  if (v.trim() === "" || !Number.isInteger(n) || n < min || n > max) {
    throw new InvalidArgumentError(`expected an integer from ${min} to ${max.toLocaleString("en-US")}, got "${v}"`);
  }
  return n;
};
/** Upper bounds: far past any sensible run, short of sizes whose buffers cannot be allocated. */
const MAX = { epochs: 1_000_000, batch: 4096, width: 8192, layers: 256, heads: 256, seqLen: 8192, seed: 2 ** 32 - 1, topK: 1_000_000 } as const;
const num = (min: number, max = Infinity, minOpen = false) => (v: string): number => {
  const n = Number(v);
  const ok = v.trim() !== "" && Number.isFinite(n) && (minOpen ? n > min : n >= min) && n <= max;
  if (!ok) throw new InvalidArgumentError(`expected a number ${minOpen ? ">" : "≥"} ${min}${max < Infinity ? ` and ≤ ${max}` : ""}, got "${v}"`);
  return n;
};

/** --threads: @mini/tensor's parseThreads is the one home of the accepted range (1–256, as llama-infer's). */
const threadCount = (v: string): number => {
  try {
    return parseThreads(v, "--threads");
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message.replace(/^--threads: /, ""));
  }
};

/** Describes a preset-dependent default for --help. */
function dflt(key: keyof RunOptions): string {
  return `(default: ${String(PRESETS["tiny-llama"][key])}; with --preset rustgpt: ${String(PRESETS.rustgpt[key])})`;
}

export function buildProgram(): Command {
  const p = new Command("rustgpt-ts")
    .description(
      "Build a vocabulary, pre-train a small transformer on facts, instruction-tune it on dialogues, " +
        "save it as a HuggingFace model directory, and chat with it.",
    )
    .addOption(new Option("--preset <name>", "model and schedule: a small Llama, or RustGPT's own").choices(["tiny-llama", "rustgpt"]).default("tiny-llama"))
    .addOption(
      new Option("--pretrain-data <file>", "facts to pre-train on (JSON array, JSONL or text lines)").default(
        path.join(APP_DIR, "data/pretraining.json"),
        "the app's data/pretraining.json",
      ),
    )
    .addOption(
      new Option("--chat-data <file>", 'dialogues "User: … Assistant: … </s>" to instruction-tune on').default(
        path.join(APP_DIR, "data/chat.json"),
        "the app's data/chat.json",
      ),
    )
    .option("--pretrain-epochs <n>", `pre-training epochs ${dflt("pretrainEpochs")}`, int(0, MAX.epochs))
    .option("--chat-epochs <n>", `instruction-tuning epochs ${dflt("chatEpochs")}`, int(0, MAX.epochs))
    .option("--pretrain-lr <x>", `peak pre-training learning rate ${dflt("pretrainLr")}`, num(0, Infinity, true))
    .option("--chat-lr <x>", `peak instruction-tuning learning rate ${dflt("chatLr")}`, num(0, Infinity, true))
    .option("--batch-size <n>", `sequences per step ${dflt("batchSize")}`, int(1, MAX.batch))
    .option("--hidden-size <n>", `model (embedding) width ${dflt("hiddenSize")}`, int(2, MAX.width))
    .option("--intermediate-size <n>", `feed-forward width ${dflt("intermediateSize")}`, int(1, 4 * MAX.width))
    // The names before the vocabulary was unified (HF's, as in config.json): kept as aliases.
    .option("--embed-dim <n>", "deprecated: the same as --hidden-size", int(2, MAX.width))
    .option("--hidden-dim <n>", "deprecated: the same as --intermediate-size (feed-forward width)", int(1, 4 * MAX.width))
    .option("--layers <n>", `transformer blocks ${dflt("layers")}`, int(1, MAX.layers))
    .option("--heads <n>", `attention heads ${dflt("heads")}`, int(1, MAX.heads))
    .option("--max-seq-len <n>", "longest sequence in tokens (context length)", int(2, MAX.seqLen), 80)
    .option("--seed <n>", "seed of initialisation, shuffling and sampling", int(0, MAX.seed), 42)
    .option("--clip-norm <x>", `global gradient-norm clip, 0 = off ${dflt("clipNorm")}`, num(0))
    .addOption(new Option("--schedule <name>", `learning-rate schedule ${dflt("schedule")}`).choices(["constant", "cosine"]))
    .option("--checkpoint-every <n>", "write a resumable checkpoint every n epochs (0 = only on Ctrl-C and errors)", int(0, MAX.epochs), 10)
    .addOption(new Option("--save <dir>", "where to save the model (printed at the end)").default(undefined, "the app's models/<preset>"))
    .option("--save-gguf <file>", "also save the model as a GGUF file llama.cpp runs (F32; needs --tokenizer bpe and the default preset)")
    .addOption(new Option("--tokenizer <kind>", "vocabulary: RustGPT's words and punctuation, or a byte-level BPE trained on the data").choices(["word", "bpe"]).default("word"))
    .option("--vocab-size <n>", "tokens of the BPE vocabulary, specials and 256 bytes included (--tokenizer bpe)", int(258, 65536), 1024)
    .option("--load <dir>", "skip training: load a saved model and chat with it")
    .option("--resume <dir>", "continue an interrupted run from its checkpoint")
    .option("--prompt <text>", "answer this one question and exit")
    .option("--eval", "greedy-answer every question of the chat data (with --load: the model's own, unless --chat-data is given) and print exact-match: K/N", false)
    .option("--no-interactive", "do not start the chat after training")
    .option("--temperature <x>", "sampling temperature, 0 = greedy", num(0), 0)
    .option("--top-k <n>", "keep the k most likely tokens, 0 = off", int(0, MAX.topK), 0)
    .option("--top-p <x>", "nucleus sampling: keep the smallest set with this much probability", num(0, 1, true), 1)
    .option("--threads <n>", "threads the kernels use; results are the same for every n (default: MINI_THREADS, else every core)", threadCount)
    .showHelpAfterError("(run with --help for every option)")
    .allowExcessArguments(false);
  return p;
}

/** Deprecated flag → the option it stands for. */
const DEPRECATED: [string, keyof RunOptions][] = [
  ["embedDim", "hiddenSize"],
  ["hiddenDim", "intermediateSize"],
];
const kebab = (s: string): string => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** Parses argv (without node and script) into resolved options. Throws CommanderError on bad input. */
export function parseArgs(argv: readonly string[], program = buildProgram(), cwd = userCwd()): RunOptions {
  // `pnpm start -- --x` may pass the "--" through; drop it so the options are not read as operands.
  const args = argv[0] === "--" ? argv.slice(1) : [...argv];
  program.parse(args, { from: "user" });
  const o = program.opts();
  const preset = o["preset"] as PresetName;
  const given = new Set<keyof RunOptions>();
  for (const opt of program.options) {
    const key = opt.attributeName() as keyof RunOptions;
    if (program.getOptionValueSource(key) === "cli") given.add(key);
  }
  for (const [alias, key] of DEPRECATED) {
    if (program.getOptionValueSource(alias) !== "cli") continue;
    if (given.has(key) && o[key] !== o[alias]) {
      throw new AppError(`--${kebab(alias)} ${String(o[alias])} (deprecated alias) contradicts --${kebab(key)} ${String(o[key])}`);
    }
    o[key] = o[alias];
    given.add(key);
  }
  const resolved: Record<string, unknown> = {};
  for (const key of Object.keys(PRESETS.rustgpt) as (keyof RunOptions)[]) resolved[key] = given.has(key) ? o[key] : PRESETS[preset][key];
  const at = (p: unknown): string => path.resolve(cwd, p as string);
  const save = o["save"] !== undefined ? at(o["save"]) : path.join(APP_DIR, "models", preset);
  if (given.has("vocabSize") && o["tokenizer"] !== "bpe") throw new AppError("--vocab-size is the size of a BPE vocabulary: it needs --tokenizer bpe");
  return {
    ...(resolved as Pick<RunOptions, keyof (typeof PRESETS)["rustgpt"]>),
    preset,
    pretrainData: at(o["pretrainData"]),
    chatData: at(o["chatData"]),
    maxSeqLen: o["maxSeqLen"] as number,
    seed: o["seed"] as number,
    checkpointEvery: o["checkpointEvery"] as number,
    save,
    saveGguf: o["saveGguf"] === undefined ? undefined : at(o["saveGguf"]),
    tokenizer: o["tokenizer"] as "word" | "bpe",
    vocabSize: o["vocabSize"] as number,
    load: o["load"] === undefined ? undefined : at(o["load"]),
    resume: o["resume"] === undefined ? undefined : at(o["resume"]),
    prompt: o["prompt"] as string | undefined,
    eval: o["eval"] as boolean,
    interactive: o["interactive"] as boolean,
    temperature: o["temperature"] as number,
    topK: o["topK"] as number,
    topP: o["topP"] as number,
    threads: o["threads"] as number | undefined,
    given,
  } as RunOptions;
}
