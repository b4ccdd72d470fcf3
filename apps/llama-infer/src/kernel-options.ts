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

/** `--dtype <type>` (generate, chat, serve): how the weight matrices are kept in memory. */
export function addDtypeOption(cmd: Command): Command {
  return cmd.option("--dtype <type>", `weights in memory: ${WEIGHT_DTYPES.join(", ")} (converted at load; norms, RoPE, softmax and the KV cache stay f32)`, "f32");
}

/** The --dtype value, checked (a UsageError names the flag and the choices). */
export function readDtype(opts: Record<string, unknown>): WeightDtype {
  try {
    return parseWeightDtype(String(opts["dtype"] ?? "f32"), "--dtype");
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}
