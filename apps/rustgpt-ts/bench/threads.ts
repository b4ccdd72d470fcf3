/**
 * Seconds per training epoch of the RustGPT preset at 1 and 2 kernel-pool threads, each phase on
 * RustGPT's data (pre-training: 25 sentences; instruction tuning: 53 dialogues; batch 1, file order,
 * loss on every token, Adam), against issue 11's targets:
 *
 *   1 thread:  ≤ 0.047 s per pre-training epoch, ≤ 0.147 s per instruction epoch (RustGPT's figures)
 *   2 threads: ≤ 0.65× the same phase's 1-thread epoch
 *
 * Each cell (phase × threads) is its own process, which warms up on one epoch of a throw-away model
 * and then times `--epochs` epochs of a fresh one (the trainer's clock: steps only, no model
 * construction or data loading). The cells are interleaved round by round (the thread order flips
 * every round), so a change in the machine's load hits both thread counts alike. Reported per cell:
 * min / median / max over every timed epoch of every round, and the CPU seconds of the process per
 * epoch (all its threads: a spinning pool worker counts). The 2t/1t ratio is taken per round from
 * the two processes that ran next to each other (their median epochs), then min / median / max over
 * the rounds. The load average is printed before and after: on a shared machine wall times include
 * other processes' turns. Two columns lean less on the load (Linux only for the second):
 *   Σ best step   per process, each step's fastest time over its timed epochs, summed over one
 *                 epoch's steps (the smallest over the rounds): what an epoch takes when no step
 *                 is slowed by another process (a lower estimate; idle, close to the min epoch);
 *   main cpu      CPU seconds of the process's main thread per epoch (/proc/self/task/<pid>/schedstat):
 *                 the steps' own work without waiting for a core, but still slowed by a busy cache.
 *
 *   npx tsx --conditions=@mini/source bench/threads.ts [--rounds 3] [--epochs 10] [--threads 1,2]
 */
// First import, as in the app: Node 20's relaxed-SIMD flag on before @mini/tensor compiles its kernels.
import "../src/relaxed-simd.js";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { setThreads } from "@mini/tensor";
import { workloads } from "./epoch.js";

const PHASES = ["rustgpt pre-training", "rustgpt instruction tuning"] as const;
/** Issue 11: 2-thread epoch at most this fraction of the 1-thread one. */
const RATIO_TARGET = 0.65;

interface CellRun {
  /** Training seconds of each timed epoch. */
  epochs: number[];
  /** CPU seconds of the whole process (every thread) over the timed epochs, per epoch. */
  cpuPerEpoch: number;
  /** CPU seconds of the main thread per epoch (NaN where /proc is not readable). */
  mainCpuPerEpoch: number;
  /** Σ over an epoch's steps of each step's fastest time over the timed epochs. */
  bestSteps: number;
}

/** CPU seconds the main thread has run (Linux schedstat: nanoseconds on a CPU), NaN elsewhere. */
function mainThreadCpu(): number {
  try {
    return Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, "utf8").split(" ")[0]) / 1e9;
  } catch {
    return Number.NaN;
  }
}

async function child(phase: string, threads: number, epochs: number): Promise<CellRun> {
  setThreads(threads);
  const w = workloads().find((x) => x.name === phase);
  if (w === undefined) throw new Error(`threads.ts: no workload named "${phase}"`);
  await w.run(1); // warm-up: JIT, WASM compilation, heap growth, worker start
  const times: number[] = [];
  const best: number[] = []; // per step of an epoch: its fastest time so far
  const cpu0 = process.cpuUsage();
  const main0 = mainThreadCpu();
  await w.run(
    epochs,
    (s) => times.push(s),
    (i, s) => {
      best[i] = Math.min(best[i] ?? Number.POSITIVE_INFINITY, s);
    },
  );
  const cpu = process.cpuUsage(cpu0);
  const main = mainThreadCpu() - main0;
  return { epochs: times, cpuPerEpoch: (cpu.user + cpu.system) / 1e6 / epochs, mainCpuPerEpoch: main / epochs, bestSteps: best.reduce((a, b) => a + b, 0) };
}

const sorted = (xs: readonly number[]): number[] => [...xs].sort((a, b) => a - b);
function median(xs: readonly number[]): number {
  const s = sorted(xs);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
const mmm = (xs: readonly number[], digits: number): string =>
  `${Math.min(...xs).toFixed(digits)} / ${median(xs).toFixed(digits)} / ${Math.max(...xs).toFixed(digits)}`;

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c]!)).join("  ")).join("\n");
}

const argv = process.argv.slice(2);
const flag = (name: string, dflt: string): string => (argv.includes(name) ? argv[argv.indexOf(name) + 1]! : dflt);

if (argv[0] === "--child") {
  const [, phase, threads, epochs] = argv;
  console.log(JSON.stringify(await child(phase!, Number(threads), Number(epochs))));
} else {
  const rounds = Number(flag("--rounds", "3"));
  const epochs = Number(flag("--epochs", "10"));
  const threadCounts = flag("--threads", "1,2").split(",").map(Number);
  const self = fileURLToPath(import.meta.url);
  const run = (phase: string, threads: number): CellRun => {
    const out = execFileSync(process.execPath, [...process.execArgv, self, "--child", phase, String(threads), String(epochs)], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
    });
    return JSON.parse(out.trim().split("\n").pop()!) as CellRun;
  };
  const anchors = new Map(workloads().map((w) => [w.name, w.anchors.rustgpt]));
  const load0 = loadavg();
  const cells = new Map<string, CellRun[]>(); // `${phase}|${threads}` → one run per round
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? threadCounts : [...threadCounts].reverse();
    for (const phase of PHASES) {
      for (const t of order) {
        const key = `${phase}|${t}`;
        cells.set(key, [...(cells.get(key) ?? []), run(phase, t)]);
      }
    }
    process.stderr.write(`round ${r + 1}/${rounds} done\n`);
  }
  const load1 = loadavg();
  const rows = [["phase", "threads", "s/epoch min / median / max", "Σ best step", "cpu s/epoch", "main cpu", "vs 1 thread (per round: min / median / max)", "target", "met"]];
  for (const phase of PHASES) {
    const base = cells.get(`${phase}|${threadCounts[0]}`)!;
    for (const t of threadCounts) {
      const runs = cells.get(`${phase}|${t}`)!;
      const all = runs.flatMap((x) => x.epochs);
      const cpu = median(runs.map((x) => x.cpuPerEpoch)).toFixed(3);
      const mainCpu = median(runs.map((x) => x.mainCpuPerEpoch)).toFixed(3);
      const bestSteps = Math.min(...runs.map((x) => x.bestSteps)).toFixed(3);
      if (t === threadCounts[0]) {
        const anchor = anchors.get(phase);
        const met = anchor === undefined ? "-" : median(all) <= anchor ? "yes" : `no (${(median(all) / anchor).toFixed(2)}×)`;
        rows.push([phase, String(t), mmm(all, 3), bestSteps, cpu, mainCpu, "1", anchor === undefined ? "-" : `≤ ${anchor} s (RustGPT)`, met]);
      } else {
        const ratios = runs.map((x, i) => median(x.epochs) / median(base[i]!.epochs));
        const met = median(ratios) <= RATIO_TARGET ? "yes" : "no";
        rows.push([phase, String(t), mmm(all, 3), bestSteps, cpu, mainCpu, mmm(ratios, 2), `≤ ${RATIO_TARGET}×`, met]);
      }
    }
  }
  console.log(`\n${rounds} interleaved rounds × ${epochs} timed epochs per process; load average ${load0[0]!.toFixed(1)} before, ${load1[0]!.toFixed(1)} after\n`);
  console.log(table(rows));
}
