/**
 * Relaxed SIMD's int8 dot product in the model: the synthesized 32M model (chat32m) loaded at f32,
 * q8_0 and q4_0 in one process, q8_0 / q4_0 each run through relaxeddot.wat ("relaxed") and
 * through compact.wat's SIMD128 products ("simd128": setRelaxedDot(false); the same logits bit for
 * bit), cells interleaved round by round: prefill of a 128-token prompt, then 48 greedy decode
 * steps. Reports tokens per CPU-second (process.cpuUsage: steadier than wall time on a loaded
 * machine) as min / median / max over the rounds, and each cell's median over f32's.
 * Needs a runtime with relaxed SIMD (Node ≥ 22); elsewhere both q8_0 / q4_0 cells are SIMD128.
 *
 *   node --conditions=@mini/source --import tsx bench/relaxed-dot.ts [--rounds 5] [--threads 1]
 */
import { loadModelDir, type LlamaModel } from "@mini/llm/models";
import { argmax } from "@mini/llm/sampling";
import { createRng, relaxedDot, setRelaxedDot, setThreads, type WeightDtype } from "@mini/tensor";
import { benchModelDir } from "./infer.js";

const argv = process.argv.slice(2);
const flag = (name: string, dflt: string): string => (argv.includes(name) ? argv[argv.indexOf(name) + 1]! : dflt);
const rounds = Number(flag("--rounds", "5"));
setThreads(Number(flag("--threads", "1")));
const PROMPT = 128, DECODE = 48;

const supported = relaxedDot();
const dir = benchModelDir("chat32m");
const models = new Map<WeightDtype, LlamaModel>();
let vocab = 0;
for (const d of ["f32", "q8_0", "q4_0"] as WeightDtype[]) {
  const { model, config } = await loadModelDir(dir, { dtype: d });
  models.set(d, model);
  vocab = config.vocabSize;
}
const caches = new Map([...models].map(([d, m]) => [d, m.newCache(PROMPT + DECODE + 1)]));
const rng = createRng(1234);
const prompt = Array.from({ length: PROMPT }, () => 3 + rng.int(vocab - 3));
const cpuSeconds = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

const cells: { name: string; dtype: WeightDtype; relaxed: boolean; prefill: number[]; decode: number[] }[] = [
  { name: "f32", dtype: "f32", relaxed: supported, prefill: [], decode: [] },
  ...(["q8_0", "q4_0"] as WeightDtype[]).flatMap((dtype) => [
    { name: `${dtype} relaxed dot`, dtype, relaxed: true, prefill: [], decode: [] },
    { name: `${dtype} SIMD128 dot`, dtype, relaxed: false, prefill: [], decode: [] },
  ]),
];
for (let r = 0; r < rounds; r++) {
  for (const c of cells) {
    setRelaxedDot(c.relaxed);
    const model = models.get(c.dtype)!;
    const cache = caches.get(c.dtype)!;
    cache.clear();
    let t = cpuSeconds();
    let next = argmax(model.forward(prompt, cache));
    c.prefill.push(PROMPT / (cpuSeconds() - t));
    t = cpuSeconds();
    for (let i = 0; i < DECODE; i++) next = argmax(model.forward([next], cache));
    c.decode.push(DECODE / (cpuSeconds() - t));
  }
}
const sorted = (v: number[]): number[] => [...v].sort((a, b) => a - b);
const med = (v: number[]): number => sorted(v)[Math.floor(v.length / 2)]!;
const mmm = (v: number[]): string => `${sorted(v)[0]!.toFixed(0)} / ${med(v).toFixed(0)} / ${sorted(v)[v.length - 1]!.toFixed(0)}`;
console.log(`chat32m, ${rounds} interleaved rounds, ${flag("--threads", "1")} thread(s), relaxed int8 dot available: ${supported}; tokens per CPU-second, min / median / max\n`);
console.log("| weights | prefill (128 tokens) | vs f32 | decode (48 steps) | vs f32 | relaxed ÷ SIMD128 per round, prefill / decode: median (min–max) |");
console.log("|---|---:|---:|---:|---:|---|");
const f32 = cells[0]!;
/** per-round ratios a[r] / b[r] as "median (min–max)" */
const ratios = (a: number[], b: number[]): string => {
  const q = sorted(a.map((v, r) => v / b[r]!));
  return `${med(q).toFixed(2)} (${q[0]!.toFixed(2)}–${q[q.length - 1]!.toFixed(2)})`;
};
cells.forEach((c, i) => {
  const simd = c.name.endsWith("relaxed dot") ? cells[i + 1]! : null;
  const per = simd === null ? "" : `${ratios(c.prefill, simd.prefill)} / ${ratios(c.decode, simd.decode)}`;
  console.log(`| ${c.name} | ${mmm(c.prefill)} | ${(med(c.prefill) / med(f32.prefill)).toFixed(2)}× | ${mmm(c.decode)} | ${(med(c.decode) / med(f32.decode)).toFixed(2)}× | ${per} |`);
});
for (const m of models.values()) m.dispose();
