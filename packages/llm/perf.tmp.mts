import { loadModelDir } from "./src/loaders/index.ts";
import { benchModelDir } from "./bench/infer.ts";
const [name, which] = process.argv.slice(2);
const { model, config } = await loadModelDir(benchModelDir(name!));
const cache = model.newCache(Math.min(512, config.maxSeqLen));
const argmax = (x: Float32Array) => { let b = 0; for (let i = 1; i < x.length; i++) if (x[i] > x[b]) b = i; return b; };
const prompt = Array.from({length: 128}, (_, i) => 3 + (i * 7) % 1000);
const big = config.hiddenSize > 200;
let bestP = Infinity, bestD = Infinity;
for (let rep = 0; rep < (big ? 4 : 15); rep++) {
  cache.clear();
  let t = performance.now();
  let next = argmax(model.forward(prompt, cache));
  bestP = Math.min(bestP, performance.now() - t);
  const N = big ? 32 : 128;
  t = performance.now();
  for (let i = 0; i < N; i++) next = argmax(model.forward([next], cache));
  bestD = Math.min(bestD, (performance.now() - t) / N);
}
console.log(`${name}: prefill ${(128 / bestP * 1000).toFixed(0)} tok/s (${bestP.toFixed(2)} ms), decode ${(1000 / bestD).toFixed(0)} tok/s (${(bestD * 1000).toFixed(0)} us/tok)`);
