/**
 * `pnpm bench`: one epoch of each workload of epoch.ts (RustGPT preset on RustGPT's data, the
 * default model on the app's data), a few timed iterations each. After each workload's timed
 * iterations it prints training seconds per epoch and tokens per second (the trainer's own clock,
 * without model construction), and after the last one the table with the ratios to RustGPT's and
 * PyTorch's epoch times and the default/preset speed-up. `epoch.ts` prints the table standalone.
 */
import { bench, describe } from "vitest";
import { formatTable, workloads, type EpochTiming } from "./epoch.js";

const timings = new Map<string, EpochTiming>();
const all = workloads();

describe("one training epoch", () => {
  for (const w of all) {
    let measuring = false;
    bench(
      w.name,
      async () => {
        const { seconds, tokens } = await w.run(1);
        if (!measuring) return; // warm-up
        const t = timings.get(w.name) ?? { name: w.name, anchors: w.anchors, epochs: 0, seconds: 0, tokens: 0 };
        timings.set(w.name, { ...t, epochs: t.epochs + 1, seconds: t.seconds + seconds, tokens: t.tokens + tokens });
      },
      {
        iterations: 3,
        warmupIterations: 1,
        time: 0,
        // tinybench calls these around the warm-up and around the timed run (vitest bench runs no afterAll).
        setup: (_task, mode) => void (measuring = mode === "run"),
        teardown: (_task, mode) => {
          if (mode !== "run") return;
          const t = timings.get(w.name)!;
          process.stdout.write(`\n${w.name}: ${(t.seconds / t.epochs).toFixed(3)} s/epoch, ${Math.round(t.tokens / t.seconds).toLocaleString("en-US")} tokens/s\n`);
          if (timings.size === all.length) process.stdout.write(`\n${formatTable([...timings.values()])}\n`);
        },
      },
    );
  }
});
