import { loadModelDir } from "./src/loaders/index.ts";
import { LlamaModel as NewModel } from "./src/models/llama/model.ts";
import { LlamaModel as OldModel } from "./old.tmp.ts";
import { benchModelDir } from "./bench/infer.ts";
const [name] = process.argv.slice(2);
const l = await loadModelDir(benchModelDir(name!));
const models = { old: new OldModel(l.config, l.model.weights) as any, new: new NewModel(l.config, l.model.weights) as any };
const argmax = (x: Float32Array) => { let b = 0; for (let i = 1; i < x.length; i++) if (x[i] > x[b]) b = i; return b; };
const prompt = Array.from({length: 128}, (_, i) => 3 + (i * 7) % 1000);
const big = l.config.hiddenSize > 200; const N = big ? 16 : 128;
const best: Record<string, { p: number; d: number }> = {};
for (let rep = 0; rep < (big ? 6 : 20); rep++) for (const [k, m] of Object.entries(models)) {
  const cache = m.newCache(512);
  let t = performance.now(); let next = argmax(m.forward(prompt, cache)); const tp = performance.now() - t;
  t = performance.now(); for (let i = 0; i < N; i++) next = argmax(m.forward([next], cache)); const td = (performance.now() - t) / N;
  const b = (best[k] ??= { p: Infinity, d: Infinity }); b.p = Math.min(b.p, tp); b.d = Math.min(b.d, td);
}
for (const [k, b] of Object.entries(best)) console.log(`${name} ${k}: prefill ${(128000 / b.p).toFixed(0)} tok/s (${b.p.toFixed(2)} ms), decode ${(1000 / b.d).toFixed(0)} tok/s (${(b.d * 1000).toFixed(0)} us)`);
