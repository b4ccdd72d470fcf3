/**
 * The kernel options of the commands: --threads (every command) and --dtype (generate, chat, serve).
 *
 * `--threads <n>` on every command: how many threads the kernels use (the calling thread plus
 * n − 1 workers on the shared WASM heap; results are the same for every n). Default: the
 * MINI_THREADS environment variable, else every core (os.availableParallelism()).
 */
import { parseThreads, parseWeightDtype, setThreads, WEIGHT_DTYPES, type WeightDtype } from "@mini/tensor";
import type { Command } from "commander";
import { UsageError } from "./options.js";

export function addThreadsOption(cmd: Command): Command {
  return cmd
    .option("--threads <n>", "threads the kernels use (default: MINI_THREADS, else every core)")
    .hook("preAction", (c) => {
      const t = c.opts()["threads"] as string | undefined;
      if (t === undefined) return;
      try {
        setThreads(parseThreads(t, "--threads"));
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
    });
}

/**
 * `--dtype <type>` (generate, chat, serve): how the weight matrices are kept in memory. Unset: f32
 * for a model directory, as stored for a GGUF file (its blocks as they are); given: every matrix
 * is converted to it, except that q4_0, q4_k and q5_k keep the output matrix (lm_head, or a tied
 * embedding) at q6_k, or q8_0 where its rows are not whole 256-weight super-blocks, as llama.cpp's
 * quantize does (@mini/llm's dtype-recipe.ts).
 */
export function addDtypeOption(cmd: Command): Command {
  return cmd.option(
    "--dtype <type>",
    `weights in memory: ${WEIGHT_DTYPES.join(", ")}, converted at load (default: f32 for a model directory, as stored for a .gguf file; q4_0, q4_k and q5_k keep the output matrix at q6_k, or q8_0 for rows not a multiple of 256, as llama.cpp does; norms, RoPE, softmax and the KV cache stay f32)`,
  );
}

/** The --dtype value, checked (a UsageError names the flag and the choices); undefined when not given. */
export function readDtype(opts: Record<string, unknown>): WeightDtype | undefined {
  const d = opts["dtype"];
  if (d === undefined) return undefined;
  try {
    return parseWeightDtype(String(d), "--dtype");
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}
