/**
 * Prefill speed of a model held in Q4_K / Q6_K against the same model in q8_0 and f32: a
 * synthesized Llama whose rows are whole 256-weight super-blocks (hidden 512, intermediate 1536,
 * 12 layers, 8 heads / 4 kv heads, vocabulary 8192 — about SmolLM2-135M's MLP shape, which at
 * hidden 576 K-quants cannot hold), loaded with `dtype` so every matrix is that dtype (a GGUF
 * file's Q4_K / Q6_K tensors become the same WeightMatrix). A 128-token prompt, tokens per second
 * of wall and of process CPU time, the dtypes interleaved round by round in one process, each
 * cell the best of `reps` prefills; min / median / max over the rounds.
 *
 *   npx tsx --conditions=@mini/source bench/kquant-prefill.ts [--threads 1] [--rounds 5] [--reps 3] [--dtypes q4_k,q6_k,q8_0,f32]
 */
import { createRng, setThreads, type WeightDtype } from "@mini/tensor";
import { arg, benchInterleaved, KQUANT_BENCH_CONFIG, kquantBenchModels } from "./kquant-model.js";

const threads = Number(arg("threads", "1")), rounds = Number(arg("rounds", "5")), reps = Number(arg("reps", "3")), N = 128;
const dtypes = arg("dtypes", "q4_k,q6_k,q8_0,f32").split(",") as WeightDtype[];
setThreads(threads);

const models = await kquantBenchModels(dtypes);
const rng = createRng(1234);
const prompt = Array.from({ length: N }, () => 3 + rng.int(KQUANT_BENCH_CONFIG.vocab_size - 3));
benchInterleaved(models, dtypes, { rounds, reps, threads, tokens: N, digits: 0, title: `${N}-token prefill` }, {
  cacheLen: N + 1,
  prepare: () => {},
  timed: (model, cache) => model.forward(prompt, cache),
});
