/**
 * `pnpm bench`: one epoch of each workload of epoch.ts (RustGPT preset on RustGPT's data, the
 * default model on the app's data), a few timed iterations each. For s/epoch and tokens/s in one
 * table, run epoch.ts directly.
 */
import { bench, describe } from "vitest";
import { workloads } from "./epoch.js";

describe("one training epoch", () => {
  for (const w of workloads()) {
    bench(w.name, async () => {
      await w.run(1);
    }, { iterations: 3, warmupIterations: 1, time: 0 });
  }
});
