/**
 * CPU time of the weight encoders, per million weights: Q4_0 with the scale search (quantizeQ4_0,
 * the fused loop every compact load and the GGUF writer use), its readable reference loop
 * (scale-search.reference.ts: the same bytes), llama.cpp's reference Q4_0 encoder (max / −8, no
 * search) and Q8_0. The weights: 3.2 M values N(0, 0.02²) (a trained matrix's scale) from mini's
 * seeded generator. Encoders are interleaved round by round in one process; min / median / max of
 * the rounds (process CPU time, so other jobs on the machine weigh less than on a wall clock).
 *
 *   cd packages/tensor && pnpm bench:encode [--rounds 5]
 */
import { quantizeQ4_0, quantizeQ4_0Reference } from "../src/quant/q4_0.js";
import { quantizeQ8_0 } from "../src/quant/q8_0.js";
import { quantizeQ4_0SearchedReference } from "../src/quant/scale-search.reference.js";
import { createRng } from "../src/random.js";

const N = 32 * 100_000;
const arg = process.argv.indexOf("--rounds");
const rounds = arg > 0 ? Number(process.argv[arg + 1]) : 5;

const rng = createRng(7);
const x = Float32Array.from({ length: N }, () => rng.normal() * 0.02);

const encoders: [string, (x: Float32Array) => Uint8Array][] = [
  ["q4_0 searched (quantizeQ4_0)", quantizeQ4_0],
  ["q4_0 searched, reference loop", quantizeQ4_0SearchedReference],
  ["q4_0 llama.cpp reference (no search)", quantizeQ4_0Reference],
  ["q8_0", quantizeQ8_0],
];
const ms: number[][] = encoders.map(() => []);
const same = Buffer.compare(Buffer.from(quantizeQ4_0(x)), Buffer.from(quantizeQ4_0SearchedReference(x))) === 0;
for (let r = 0; r < rounds; r++) {
  encoders.forEach(([, encode], i) => {
    const t0 = process.cpuUsage();
    encode(x);
    const t = process.cpuUsage(t0);
    ms[i]!.push((t.user + t.system) / 1000);
  });
}
const perM = (v: number) => ((v * 1e6) / N).toFixed(1);
console.log(`${N / 1e6} M weights, ${rounds} rounds; quantizeQ4_0's bytes equal the reference loop's: ${same}`);
console.log("| encoder | CPU ms per M weights (min / median / max) | × llama.cpp's reference (median) |");
console.log("|---|---|---:|");
const median = (a: number[]) => [...a].sort((p, q) => p - q)[Math.floor(a.length / 2)]!;
encoders.forEach(([name], i) => {
  const a = ms[i]!;
  console.log(`| ${name} | ${perM(Math.min(...a))} / ${perM(median(a))} / ${perM(Math.max(...a))} | ${(median(a) / median(ms[2]!)).toFixed(1)} |`);
});
