import { loadModelDir } from "./src/loaders/index.ts";
import { LlamaModel as NewModel } from "./src/models/llama/model.ts";
import { LlamaModel as OldModel } from "./old.tmp.ts";
import { benchModelDir } from "./bench/infer.ts";
const [name, mode] = process.argv.slice(2);
const l = await loadModelDir(benchModelDir(name!));
const models = { old: new OldModel(l.config, l.model.weights) as any, new: new NewModel(l.config, l.model.weights) as any };
const caches = { old: models.old.newCache(512), new: models.new.newCache(512) } as any;
const prompt = Array.from({length: 128}, (_, i) => 3 + (i * 7) % 1000);
const times: Record<string, number[]> = { old: [], new: [] };
const deadline = performance.now() + Number(process.env.SECS ?? 20) * 1000;
while (performance.now() < deadline) for (const k of ["old", "new"]) {
  const m = models[k as "old"], cache = caches[k];
  cache.clear();
  if (mode === "decode") { m.forward(prompt, cache); const t = performance.now(); for (let i = 0; i < 16; i++) m.forward([5 + i], cache); times[k]!.push((performance.now() - t) / 16); }
  else { const t = performance.now(); m.forward(prompt, cache); times[k]!.push(performance.now() - t); }
}
for (const [k, v] of Object.entries(times)) { v.sort((a, b) => a - b); const q = (p: number) => v[Math.floor(p * (v.length - 1))]!; console.log(`${name} ${mode} ${k}: min ${q(0).toFixed(2)} p25 ${q(0.25).toFixed(2)} median ${q(0.5).toFixed(2)} ms (n=${v.length})`); }
