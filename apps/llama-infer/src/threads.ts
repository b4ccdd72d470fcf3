/**
 * `--threads <n>` on every command: how many threads the kernels use (the calling thread plus
 * n − 1 workers on the shared WASM heap; results are the same for every n). Default: the
 * MINI_THREADS environment variable, else every core (os.availableParallelism()).
 */
import { parseThreads, setThreads } from "@mini/tensor";
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
