import { loadModelDir } from "./src/loaders/index.ts";
import { LlamaModel, T } from "./inst.tmp.ts";
import { benchModelDir } from "./bench/infer.ts";
const [name, mode] = process.argv.slice(2);
const l = await loadModelDir(benchModelDir(name!));
const model = new LlamaModel(l.config, l.model.weights);
const cache = model.newCache(512);
const prompt = Array.from({length: 128}, (_, i) => 3 + (i * 7) % 1000);
const mins: Record<string, number> = {}; let total = Infinity;
const deadline = performance.now() + Number(process.env.SECS ?? 15) * 1000;
const N = mode === "decode" ? 32 : 1;
while (performance.now() < deadline) {
  cache.clear();
  if (mode === "decode") model.forward(prompt, cache);
  for (const k in T) delete T[k];
  const t = performance.now();
  if (mode === "decode") for (let i = 0; i < N; i++) model.forward([5 + i], cache); else model.forward(prompt, cache);
  total = Math.min(total, (performance.now() - t) / N);
  for (const [k, v] of Object.entries(T)) mins[k] = Math.min(mins[k] ?? Infinity, v / N);
}
const sum = Object.values(mins).reduce((a, b) => a + b, 0);
console.log(`${name} ${mode}: min total ${total.toFixed(3)} ms, sum of section mins ${sum.toFixed(3)}:`, Object.entries(mins).map(([k, v]) => `${k} ${v.toFixed(3)}`).join(", "));
