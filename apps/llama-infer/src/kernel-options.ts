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
 * for a model directory, as stored for a GGUF file (its F16/BF16/Q8_0/Q4_0 blocks as they are,
 * Q4_K/Q6_K as q8_0); given: every matrix is converted to it.
 */
export function addDtypeOption(cmd: Command): Command {
  return cmd.option(
    "--dtype <type>",
    `weights in memory: ${WEIGHT_DTYPES.join(", ")}, converted at load (default: f32 for a model directory, as stored for a .gguf file; norms, RoPE, softmax and the KV cache stay f32)`,
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
