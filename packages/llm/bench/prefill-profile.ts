/**
 * Where a 128-token prefill's time goes at 1 and 2 threads, by kernel-pool call, in the real
 * LlamaModel.forward:
 *   - profiled (pool-profile.ts): each runJobs call is split as at T threads but its jobs run one
 *     after the other on this thread, each timed. Per kernel (all its calls in the pass): 1-thread time, the work of the T-thread split (sum of its jobs:
 *     more than the 1-thread time where a split repeats work), and its makespan if the jobs are
 *     claimed in order by T threads (the round's time on an idle machine, wake-ups and barrier not
 *     counted). "serial" = the pass's time outside runJobs (kernels left unsplit, RoPE, JS, copies),
 *     scaled by the pass's CPU/wall (the share of it this thread was scheduled on a loaded machine).
 *     These come from one thread's timings, so the machine's other load disturbs them little.
 *   - measured: the whole prefill at 1 and 2 threads, wall and process CPU time, interleaved; at 2
 *     threads, how many jobs the worker ran and how often it fell asleep between rounds (poolCounters).
 * Cells are medians over `rounds` interleaved rounds (each the best of `reps` prefills).
 *
 *   npx tsx --conditions=@mini/source bench/prefill-profile.ts [--model chat32m|smollm135m] [--dtype f32] [--rounds 5] [--reps 5]
 */
import { existsSync, readFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createRng, poolCounters, poolRounds, profileRounds, setThreads, type WeightDtype } from "@mini/tensor";
import { loadModelDir } from "../src/loaders/index.js";
import type { LlamaModel } from "../src/models/llama/index.js";
import { synthesizeModelDir } from "../src/synth.js";

const SHARED = process.env["MINI_SHARED"] ?? fileURLToPath(new URL("../../../../shared", import.meta.url));
const arg = (name: string, dflt: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : dflt;
};
const modelName = arg("model", "chat32m");
const dtype = arg("dtype", "f32") as WeightDtype;
const rounds = Number(arg("rounds", "5"));
const reps = Number(arg("reps", "5"));
const N = Number(arg("prompt", "128"));

// The bench models of apps/llama-infer/bench/dtypes.ts: the synthesized 32M model, and SmolLM2-135M's shape.
const SMOLLM_SHAPE = {
  architectures: ["LlamaForCausalLM"], model_type: "llama", hidden_size: 576, intermediate_size: 1536, num_hidden_layers: 30,
  num_attention_heads: 9, num_key_value_heads: 3, vocab_size: 49152, tie_word_embeddings: true, rope_theta: 100000,
  max_position_embeddings: 2048, rms_norm_eps: 1e-5, hidden_act: "silu", bos_token_id: 1, eos_token_id: 2, torch_dtype: "float32",
};
function modelDir(name: string): string {
  const dir = join(tmpdir(), `mini-llm-bench-${name}-seed0`);
  if (existsSync(join(dir, "model.safetensors"))) return dir;
  if (name === "smollm135m") return synthesizeModelDir({ config: SMOLLM_SHAPE, outDir: dir, seed: 0 });
  const configPath = `${SHARED}/models/chat-tokenizer/config.json`;
  return synthesizeModelDir({ config: JSON.parse(readFileSync(configPath, "utf8")), tokenizerDir: join(configPath, ".."), outDir: dir, seed: 0 });
}

const { model, config: c } = (await loadModelDir(modelDir(modelName), { dtype })) as { model: LlamaModel; config: LlamaModel["config"] };
const rng = createRng(1234);
const prompt = Array.from({ length: N }, () => 3 + rng.int(c.vocabSize - 3));
const cache = model.newCache(Math.min(c.maxSeqLen, N + 1));
const L = c.numLayers;
const forward = (): void => {
  cache.clear();
  model.forward(prompt, cache);
};
const best = (f: () => void): number => {
  let m = Infinity;
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    f();
    m = Math.min(m, performance.now() - t0);
  }
  return m;
};

const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
/** Makespan of jobs claimed in order by T threads (each takes the next job when free). */
function makespan(ms: readonly number[], T: number): number {
  const free = new Array<number>(T).fill(0);
  for (const m of ms) {
    const t = free.indexOf(Math.min(...free));
    free[t]! += m;
  }
  return Math.max(...free);
}

interface Profile {
  serial: number;
  calls: Map<string, { t1: number; work: number; span: number; jobs: number }>;
}
/**
 * Profiled prefills at T threads (reps of them; each job's time is its least over the reps, which
 * drops the preemptions of a loaded machine): per kernel, the work and the makespan of its calls,
 * and the pass's time outside them.
 */
function profile(T: number): Profile {
  setThreads(T);
  const jobMs = new Map<string, number[]>(); // "kernel #ordinal in the pass" → least time of each job
  let seen = new Map<string, number>(); // calls per kernel name so far in this pass
  let inCalls = 0; // ms in pool calls (and in this profiler) so far in this pass
  profileRounds((names, ms) => {
    const t0 = performance.now();
    const name = [...new Set(names)].join("+");
    const i = seen.get(name) ?? 0;
    seen.set(name, i + 1);
    const key = `${name} #${i}`;
    for (const m of ms) inCalls += m;
    const least = jobMs.get(key);
    jobMs.set(key, least === undefined ? [...ms] : least.map((m, j) => Math.min(m, ms[j]!)));
    inCalls += performance.now() - t0; // this bookkeeping is not the pass's serial time
  });
  let serial = Infinity;
  for (let r = 0; r < reps; r++) {
    seen = new Map();
    inCalls = 0;
    const t0 = performance.now(), c0 = cpuMs();
    forward();
    const whole = performance.now() - t0;
    // Only this thread runs (the workers sleep), so CPU / wall is the share of the pass it was scheduled:
    // the serial gaps, unlike the least-of-reps jobs, keep their preemptions, so scale them by it.
    serial = Math.min(serial, (whole - inCalls) * Math.min(1, (cpuMs() - c0) / whole));
  }
  profileRounds(null);
  // per kernel (group): the 1-thread pass calls a grouped product's parts one by one, so places within a layer do not match
  const calls: Profile["calls"] = new Map();
  for (const [key, ms] of jobMs) {
    const name = key.split(" #")[0]!;
    const f = calls.get(name) ?? { t1: 0, work: 0, span: 0, jobs: 0 };
    f.work += ms.reduce((x, y) => x + y, 0);
    f.span += makespan(ms, T);
    f.jobs += ms.length;
    calls.set(name, f);
  }
  return { serial: Math.max(0, serial), calls };
}

const med = (a: number[]): number => [...a].sort((p, q) => p - q)[Math.floor(a.length / 2)]!;
const cells = new Map<string, number[]>();
const put = (k: string, v: number): void => void cells.set(k, [...(cells.get(k) ?? []), v]);
let rounds2 = 0;
for (let r = 0; r < rounds; r++) {
  for (const T of [1, 2]) {
    setThreads(T);
    forward(); // warm (workers started)
    const r0 = poolRounds(), c0 = cpuMs(), k0 = poolCounters();
    put(`wall ${T}`, best(forward));
    put(`cpu ${T}`, (cpuMs() - c0) / reps);
    if (T === 2) {
      rounds2 = (poolRounds() - r0) / reps;
      const k = poolCounters();
      put("sleeps", (k.sleeps - k0.sleeps) / reps);
      put("worker jobs", (k.workerJobs - k0.workerJobs) / reps);
    }
    forward();
    const p = profile(T);
    put(`serial ${T}`, p.serial);
    for (const [k, e] of p.calls) {
      put(`work ${T} ${k}`, e.work);
      put(`span ${T} ${k}`, e.span);
      put(`jobs ${T} ${k}`, e.jobs);
    }
  }
}
setThreads(1);

const f2 = (x: number): string => x.toFixed(2);
const get = (k: string): number => med(cells.get(k) ?? [0]);
console.log(`\n${modelName} ${dtype}: ${N}-token prefill, ${L} layers (hidden ${c.hiddenSize}, intermediate ${c.intermediateSize}, ${c.numHeads}/${c.numKvHeads} heads); ` +
  `median of ${rounds} interleaved rounds, best of ${reps}; load average ${loadavg().map(f2).join(" ")}; pool rounds per prefill at 2 threads: ${rounds2}\n`);
console.log("| kernel (all its pool calls in a prefill) | 1 thread ms | 2-thread split: work ms | makespan ms | jobs | 1t / makespan |");
console.log("|---|---:|---:|---:|---:|---:|");
let t1Sum = 0, spanSum = 0, jobs2 = 0;
const keys = [...cells.keys()].filter((k) => k.startsWith("work 1 ") || k.startsWith("work 2 ")).map((k) => k.slice(7));
for (const k of [...new Set(keys)]) {
  const t1 = get(`work 1 ${k}`), w2 = get(`work 2 ${k}`), s2 = get(`span 2 ${k}`);
  t1Sum += t1;
  spanSum += s2;
  jobs2 += get(`jobs 2 ${k}`);
  console.log(`| ${k} | ${f2(t1)} | ${f2(w2)} | ${f2(s2)} | ${get(`jobs 2 ${k}`)} | ${f2(t1 / s2)}× |`);
}
const s1 = get("serial 1"), s2 = get("serial 2");
console.log(`| serial (outside pool calls) | ${f2(s1)} | ${f2(s2)} | ${f2(s2)} | 1 | ${f2(s1 / s2)}× |`);
console.log(`| **sum** | ${f2(t1Sum + s1)} | | ${f2(spanSum + s2)} | | ${f2((t1Sum + s1) / (spanSum + s2))}× |`);
const w1 = get("wall 1"), w2 = get("wall 2");
console.log(`\nmeasured: prefill ${f2(w1)} ms → ${f2(w2)} ms (${((N * 1000) / w1).toFixed(0)} → ${((N * 1000) / w2).toFixed(0)} tok/s, ${f2(w1 / w2)}×); ` +
  `CPU ms per prefill ${f2(get("cpu 1"))} → ${f2(get("cpu 2"))}; at 2 threads per prefill: the worker ran ${f2(get("worker jobs"))} jobs ` +
  `(of at most ${f2(jobs2)} in ${rounds2} rounds) and fell asleep ${f2(get("sleeps"))} times between rounds`);
