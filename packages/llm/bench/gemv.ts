/**
 * Decode-step matrix-vector products of the Llama forward, alone: kernels.matmulTransB with M = 1
 * (x·Wᵀ, W [N, K] row-major, pinned) at every weight shape of a model, called in the order one
 * decoded token calls them, over distinct weights (so, as in decode, a model bigger than the
 * caches streams every weight from DRAM, and the story model runs from cache). Prints GB/s of
 * weight bytes per shape and for the whole token, best of the repeats (the machine is shared).
 *
 *   npx tsx --conditions=@mini/source bench/gemv.ts [--reps 25]
 *
 * The gap between "token" here and the decode tok/s of apps/llama-infer/bench/infer.ts is everything that is not
 * a weight product (attention, norms, RoPE, SwiGLU, argmax, JS).
 */
import { createRng, kernels, Tensor } from "@mini/tensor";

interface Shape {
  name: string;
  N: number; // rows of W (outputs)
  K: number; // columns of W (inputs)
}

/** The weight shapes one token meets, in order: per layer q, k, v, o, gate, up, down; then lm_head. */
function decodeShapes(hidden: number, inter: number, qDim: number, kvDim: number, layers: number, vocab: number): Shape[] {
  const s: Shape[] = [];
  for (let l = 0; l < layers; l++) {
    s.push(
      { name: "q", N: qDim, K: hidden }, { name: "k", N: kvDim, K: hidden }, { name: "v", N: kvDim, K: hidden },
      { name: "o", N: hidden, K: qDim }, { name: "gate", N: inter, K: hidden }, { name: "up", N: inter, K: hidden },
      { name: "down", N: hidden, K: inter },
    );
  }
  s.push({ name: "lm_head", N: vocab, K: hidden });
  return s;
}

const MODELS: Record<string, Shape[]> = {
  // shared/models/story: hidden 128, intermediate 384, 8 heads / 4 kv heads of 16, 2 layers, vocab 2048
  story: decodeShapes(128, 384, 128, 64, 2, 2048),
  // shared/models/chat-tokenizer config: hidden 312, intermediate 1092, 12 / 4 heads of 26, 10 layers, vocab 32002
  chat32m: decodeShapes(312, 1092, 312, 104, 10, 32002),
};

function bench(name: string, shapes: Shape[], reps: number): string {
  const rng = createRng(7);
  const weights = shapes.map((s) => Tensor.rand([s.N, s.K], rng, -1, 1).toPinned());
  const maxK = Math.max(...shapes.map((s) => s.K));
  const maxN = Math.max(...shapes.map((s) => s.N));
  const x = Tensor.rand([maxK], rng, -1, 1).toPinned();
  const out = Tensor.pinned([maxN]);
  const bytes = new Map<string, number>();
  for (const s of shapes) bytes.set(s.name, (bytes.get(s.name) ?? 0) + s.N * s.K * 4);
  const best = new Map<string, number>();
  let bestToken = Infinity;
  // The small model's token takes microseconds: time several tokens per sample.
  const inner = name === "story" ? 100 : 1;
  for (let rep = 0; rep < reps; rep++) {
    const per = new Map<string, number>();
    const xs = x.data, o = out.data;
    const views = weights.map((w) => w.data);
    const t0 = performance.now();
    for (let r = 0; r < inner; r++) {
      for (let i = 0; i < shapes.length; i++) {
        const s = shapes[i]!;
        const t = performance.now();
        kernels.matmulTransB(xs, views[i]!, 1, s.K, s.N, o);
        per.set(s.name, (per.get(s.name) ?? 0) + performance.now() - t);
      }
    }
    const token = (performance.now() - t0) / inner;
    if (rep < 2) continue; // warm-up (JIT tiers, first touch)
    bestToken = Math.min(bestToken, token);
    for (const [n, ms] of per) best.set(n, Math.min(best.get(n) ?? Infinity, ms / inner));
  }
  for (const w of weights) w.dispose();
  x.dispose();
  out.dispose();
  const total = [...bytes.values()].reduce((a, b) => a + b, 0);
  const gbs = (b: number, ms: number): string => (b / ms / 1e6).toFixed(1);
  const cells = [...best.keys()].map((n) => gbs(bytes.get(n)!, best.get(n)!));
  return `| ${name} | ${(total / 2 ** 20).toFixed(1)} | ${(bestToken * 1000).toFixed(0)} | ${gbs(total, bestToken)} | ${cells.join(" | ")} |`;
}

const args = process.argv.slice(2);
const repsArg = args.indexOf("--reps");
const reps = repsArg >= 0 ? Number(args[repsArg + 1]) : 25;
console.log("| model | MiB of weights per token | µs per token | GB/s token | q | k | v | o | gate | up | down | lm_head |");
console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
for (const [name, shapes] of Object.entries(MODELS)) console.log(bench(name, shapes, reps));
