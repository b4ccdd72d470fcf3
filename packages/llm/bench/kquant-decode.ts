/**
 * Decode speed (one token a step against a KV cache) of a model held in each dtype: the same
 * synthesized Llama as bench/kquant-prefill.ts (hidden 512, intermediate 1536, 12 layers, 8 / 4
 * heads, vocabulary 8192; every row whole 256-weight super-blocks), loaded with `dtype` so every
 * matrix is that dtype — q5_k is what a GGUF Q5_K tensor is now held as, f16 what it was decoded
 * to before. A 16-token prompt, then `steps` single-token forwards; tokens per second of wall and
 * of process CPU time, the dtypes interleaved round by round in one process, each cell the best of
 * `reps` runs; max / median / min over the rounds.
 *
 *   npx tsx --conditions=@mini/source bench/kquant-decode.ts [--threads 1] [--rounds 5] [--reps 2] [--steps 32] [--dtypes q5_k,f16,q4_k]
 */
import { createRng, setThreads, type WeightDtype } from "@mini/tensor";
import { arg, benchInterleaved, KQUANT_BENCH_CONFIG, kquantBenchModels } from "./kquant-model.js";

const threads = Number(arg("threads", "1")), rounds = Number(arg("rounds", "5")), reps = Number(arg("reps", "2")), steps = Number(arg("steps", "32"));
const dtypes = arg("dtypes", "q5_k,f16,q4_k").split(",") as WeightDtype[];
setThreads(threads);

const models = await kquantBenchModels(dtypes);
const rng = createRng(1234);
const prompt = Array.from({ length: 16 }, () => 3 + rng.int(KQUANT_BENCH_CONFIG.vocab_size - 3));
const next = Array.from({ length: steps }, () => 3 + rng.int(KQUANT_BENCH_CONFIG.vocab_size - 3)); // teacher-forced: the same steps for every dtype
benchInterleaved(models, dtypes, { rounds, reps, threads, tokens: steps, digits: 1, title: `${steps} decode steps after a 16-token prompt` }, {
  cacheLen: prompt.length + steps + 1,
  prepare: (model, cache) => model.forward(prompt, cache),
  timed: (model, cache) => {
    for (const id of next) model.forward([id], cache);
  },
});
