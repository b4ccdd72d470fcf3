/**
 * Compact weights on the kernel pool: matrix-vector (decode) and 128-row (prefill) products over
 * the Linear layers of 8 SmolLM2-135M-shaped layers (hidden 576, intermediate 1536, 3 of 9 heads'
 * width for k/v: 28 M weights, 113 MB as f32, larger than the last-level cache, as in decode),
 * for every dtype at 1 thread and at all threads, plus the read bandwidth of the same run.
 *
 *   cd packages/tensor && pnpm bench:compact            (rounds = 3)
 *   ... bench/compact.ts --rounds 5
 *   ... bench/compact.ts --kquant [--rounds 5]
 *   ... bench/compact.ts --int8 [--rounds 5]    (run it under Node ≥ 22)
 *
 * --kquant: q4_k / q6_k need rows of whole 256-weight super-blocks, so they are compared with f32,
 * q8_0 and q4_0 on 3 Llama-shaped layers whose widths are multiples of 256 (hidden 1024,
 * intermediate 2816, k/v 256: 34 M weights, 136 MB as f32).
 *
 * Each (dtype, threads) cell is a separate process, and the cells are interleaved round by round
 * (so load from other jobs on the machine spreads over all of them); the table gives
 * min / median / max over the rounds. "of ceiling" = the decode time the bandwidth allows
 * (weight bytes ÷ GB/s) over the measured time.
 *
 * --int8: q8_0 and q4_0 only, each twice where the relaxed int8 dot product is in use: through
 * relaxeddot.wat ("relaxed dot") and through compact.wat's SIMD128 products ("SIMD128 dot", the
 * same results bit for bit), interleaved, with f32 for scale.
 */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { WEIGHT_DTYPES, type WeightDtype } from "../src/compact/dtype.js";
import { isKQuant } from "../src/compact/kquant.js";
import { WeightMatrix } from "../src/compact/matrix.js";
import { createRng } from "../src/random.js";
import { measureReadBandwidth } from "../src/wasm/bandwidth.js";
import { relaxedDot, relaxedSimd, setRelaxedDot } from "../src/wasm/instance.js";
import { getThreads, setThreads } from "../src/wasm/pool.js";
import { randomWeights } from "./random-weights.js";

const HIDDEN = 576, INTER = 1536, KV = 192, LAYERS = 8, PREFILL_ROWS = 128;
const llamaShapes = (h: number, kv: number, inter: number): [number, number][] => [[h, h], [kv, h], [kv, h], [h, h], [inter, h], [inter, h], [h, inter]];
const SHAPES = llamaShapes(HIDDEN, KV, INTER);
const KQUANT_SHAPES = llamaShapes(1024, 256, 2816);
const KQUANT_LAYERS = 3;
const KQUANT_DTYPES: WeightDtype[] = ["f32", "q8_0", "q4_0", "q4_k", "q6_k"];

interface Cell {
  decodeGBs: number;
  decodeMs: number;
  prefillGflops: number;
  bandwidth: number;
  bytes: number;
}

function child(dtype: WeightDtype, threads: number, kquant: boolean, plainDot: boolean): Cell {
  setThreads(threads);
  if (plainDot) setRelaxedDot(false);
  const rng = createRng(1);
  const rand = (n: number): Float32Array => randomWeights(rng, n);
  const mats: WeightMatrix[] = [];
  for (let l = 0; l < (kquant ? KQUANT_LAYERS : LAYERS); l++) for (const [r, c] of kquant ? KQUANT_SHAPES : SHAPES) mats.push(WeightMatrix.fromF32(rand(r * c), r, c, dtype, `w${mats.length}`));
  const bytes = mats.reduce((s, m) => s + m.byteLength, 0);
  const macs = mats.reduce((s, m) => s + m.rows * m.cols, 0);
  const x = rand(PREFILL_ROWS * Math.max(...mats.map((m) => m.cols)));
  const outs = mats.map((m) => new Float32Array(PREFILL_ROWS * m.rows));
  const pass = (M: number): number => {
    const t0 = performance.now();
    for (let i = 0; i < mats.length; i++) mats[i]!.matmulTransB(x, M, outs[i]!.subarray(0, M * mats[i]!.rows));
    return (performance.now() - t0) / 1000;
  };
  pass(1);
  let decode = Infinity, prefill = Infinity;
  for (let r = 0; r < 7; r++) decode = Math.min(decode, pass(1));
  pass(PREFILL_ROWS);
  for (let r = 0; r < 2; r++) prefill = Math.min(prefill, pass(PREFILL_ROWS));
  const bandwidth = measureReadBandwidth();
  return { decodeGBs: bytes / decode / 1e9, decodeMs: decode * 1000, prefillGflops: (2 * macs * PREFILL_ROWS) / prefill / 1e9, bandwidth, bytes };
}

const args = process.argv.slice(2);
if (args[0] === "--child") {
  console.log(JSON.stringify(child(args[1] as WeightDtype, Number(args[2]), args[3] === "kquant", args[4] === "plain-dot")));
} else {
  const kquant = args.includes("--kquant");
  const roundsAt = args.indexOf("--rounds");
  const rounds = roundsAt >= 0 ? Number(args[roundsAt + 1]) : 3;
  const all = getThreads();
  const threadCounts = [...new Set([1, all])];
  const int8 = args.includes("--int8");
  const dtypes = kquant ? KQUANT_DTYPES : int8 ? (["f32", "q8_0", "q4_0"] as WeightDtype[]) : WEIGHT_DTYPES.filter((d) => !isKQuant(d));
  const dots = (d: WeightDtype): string[] => (int8 && relaxedDot() && (d === "q8_0" || d === "q4_0") ? ["relaxed-dot", "plain-dot"] : [""]);
  const cells = dtypes.flatMap((d) => dots(d).flatMap((dot) => threadCounts.map((t) => ({ d, dot, t, runs: [] as Cell[] }))));
  const self = fileURLToPath(import.meta.url);
  for (let r = 0; r < rounds; r++) {
    for (const c of cells) {
      const out = execFileSync(process.execPath, ["--conditions=@mini/source", "--import", "tsx", self, "--child", c.d, String(c.t), kquant ? "kquant" : "", c.dot], { encoding: "utf8" });
      c.runs.push(JSON.parse(out.trim().split("\n").pop()!) as Cell);
    }
  }
  const mmm = (v: number[]): string => {
    const s = [...v].sort((a, b) => a - b);
    const f = (x: number): string => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
    return `${f(s[0]!)} / ${f(s[Math.floor(s.length / 2)]!)} / ${f(s[s.length - 1]!)}`;
  };
  const med = (v: number[]): number => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
  const what = kquant ? `${KQUANT_LAYERS} layers of hidden 1024 / intermediate 2816 / k,v 256` : `${LAYERS} layers of SmolLM2-135M's Linear shapes`;
  console.log(`${what}; ${rounds} interleaved processes per cell; relaxed SIMD: ${relaxedSimd}, its int8 dot: ${relaxedDot()}; min / median / max\n`);
  console.log("| dtype | threads | MB of weights | decode GB/s | decode ms | read bandwidth GB/s | of ceiling (median) | prefill GFLOP/s (128 rows) |");
  console.log("|---|---:|---:|---:|---:|---:|---:|---:|");
  for (const c of cells) {
    const ceiling = med(c.runs.map((r) => r.bytes / r.bandwidth / 1e9)) / (med(c.runs.map((r) => r.decodeMs)) / 1000);
    console.log(
      `| ${c.d}${c.dot === "" ? "" : c.dot === "plain-dot" ? " (SIMD128 dot)" : " (relaxed dot)"} | ${c.t} | ${(c.runs[0]!.bytes / 1e6).toFixed(1)} | ${mmm(c.runs.map((r) => r.decodeGBs))} | ${mmm(c.runs.map((r) => r.decodeMs))} | ` +
        `${mmm(c.runs.map((r) => r.bandwidth))} | ${(100 * ceiling).toFixed(0)} % | ${mmm(c.runs.map((r) => r.prefillGflops))} |`,
    );
  }
}
