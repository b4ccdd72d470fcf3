import { loadModelDir } from "./src/loaders/index.ts";
import { LlamaModel, T } from "./inst.tmp.ts";
import { benchModelDir } from "./bench/infer.ts";
const [name, mode] = process.argv.slice(2);
const l = await loadModelDir(benchModelDir(name!));
const model = new LlamaModel(l.config, l.model.weights);
const cache = model.newCache(512);
const argmax = (x: Float32Array) => { let b = 0; for (let i = 1; i < x.length; i++) if (x[i] > x[b]) b = i; return b; };
const prompt = Array.from({length: 128}, (_, i) => 3 + (i * 7) % 1000);
const big = l.config.hiddenSize > 200; const N = big ? 32 : 256;
for (let rep = 0; rep < (big ? 3 : 10); rep++) { 
  for (const k in T) delete T[k];
  cache.clear(); let t = performance.now();
  let next = argmax(model.forward(prompt, cache));
  const tp = performance.now() - t; const P = { ...T }; for (const k in T) delete T[k];
  t = performance.now();
  if (mode !== "prefill") for (let i = 0; i < N; i++) next = argmax(model.forward([next], cache));
  const td = (performance.now() - t) / N;
  if (rep === (big ? 2 : 9)) {
    console.log(`prefill ${tp.toFixed(2)} ms:`, Object.entries(P).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(", "));
    console.log(`decode ${(td * 1000).toFixed(0)} us/tok:`, Object.entries(T).map(([k, v]) => `${k} ${(v / N * 1000).toFixed(1)}`).join(", "));
  }
}
