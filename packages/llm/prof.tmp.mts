import { loadModelDir } from "./src/loaders/index.ts";
const [name, mode, nStr] = process.argv.slice(2);
const { model, config } = await loadModelDir(name!);
const cache = model.newCache(Math.min(512, config.maxSeqLen));
const N = Number(nStr ?? 256);
const argmax = (x: Float32Array) => { let b = 0; for (let i = 1; i < x.length; i++) if (x[i] > x[b]) b = i; return b; };
const prompt = Array.from({length: 128}, (_, i) => 3 + (i * 7) % 1000);
for (let rep = 0; rep < Number(process.env.REPS ?? 4); rep++) {
  cache.clear();
  let t = performance.now();
  let next = 0;
  if (mode === "prefill") { for (let i = 0; i < N; i++) { cache.clear(); next = argmax(model.forward(prompt, cache)); } console.log("prefill tok/s", N * 128 / ((performance.now() - t) / 1000)); }
  else { next = argmax(model.forward(prompt, cache)); t = performance.now(); for (let i = 0; i < N; i++) next = argmax(model.forward([next], cache)); console.log("decode tok/s", N / ((performance.now() - t) / 1000)); }
}
