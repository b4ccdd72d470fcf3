/**
 * One training step (forward + backward + Adam) at RustGPT's shapes, timed, with the share of it
 * spent in matmul, for the WASM SIMD kernels and, in a child process with MINI_NO_WASM=1, for the
 * plain JS kernels.
 *
 *   npx tsx --conditions=@mini/source packages/nn/bench/step.ts [--steps 10]
 *
 * Shapes (RustGPT): embedding 128, FFN hidden 256, sequence 80, 4 heads, batch 1; the model is
 * 3 such blocks with a 533-token vocabulary, token + learned position embeddings and a linear head.
 * Blocks are post-norm with RustGPT's LayerNorm (ε outside the square root) and a ReLU FFN.
 *
 * Matmul share: measured with the V8 sampling profiler (node:inspector, 100 µs interval) over
 * separate profiled steps: the fraction of samples whose stack contains a function of
 * @mini/tensor's kernels/matmul.ts (the dispatchers every matmul goes through, WASM or JS).
 * Sampling is used because the kernels namespace cannot be wrapped from outside the package.
 */
import { Variable, mul, sum } from "@mini/autograd";
import { Tensor, createRng } from "@mini/tensor";
import { spawnSync } from "node:child_process";
import { Session } from "node:inspector/promises";
import {
  Adam,
  Embedding,
  Linear,
  Module,
  ParamSource,
  PositionalEmbedding,
  TransformerBlock,
  crossEntropyLoss,
  init,
  type TransformerBlockConfig,
} from "../src/index.js";

const D = 128;
const HIDDEN = 256;
const T = 80;
const HEADS = 4;
const VOCAB = 533;
const blockConfig: TransformerBlockConfig = {
  dModel: D,
  nHeads: HEADS,
  ffnHidden: HIDDEN,
  ffnKind: "relu",
  norm: { kind: "layer", epsPlacement: "outside" },
  normPlacement: "post",
};

class Model extends Module {
  readonly embed: Embedding;
  readonly pos: PositionalEmbedding;
  readonly blocks: TransformerBlock[];
  readonly head: Linear;
  constructor(ps: ParamSource) {
    super();
    this.embed = new Embedding(ps.pp("embed"), VOCAB, D, { init: init.normal(0.02) });
    this.pos = new PositionalEmbedding(ps.pp("pos"), T, D);
    this.blocks = [0, 1, 2].map((i) => new TransformerBlock(ps.pp("blocks").pp(i), blockConfig));
    this.head = new Linear(ps.pp("head"), D, VOCAB);
  }
  loss(ids: Int32Array, targets: Int32Array): Variable {
    let h = this.pos.forward(this.embed.forward(ids, [1, T]));
    for (const b of this.blocks) h = b.forward(h);
    return crossEntropyLoss(this.head.forward(h), targets);
  }
}

interface Case {
  name: string;
  params: number;
  /** Returns the loss of one forward pass. */
  forward: () => Variable;
  opt: Adam;
}

function makeCases(): Case[] {
  const rng = createRng(1);
  const block = new TransformerBlock(ParamSource.init(1), blockConfig);
  const x = new Variable(Tensor.randn([1, T, D], rng));
  const r = new Variable(Tensor.randn([1, T, D], rng)); // loss = Σ y·r, a fixed random projection
  const model = new Model(ParamSource.init(2));
  const ids = Int32Array.from({ length: T }, () => rng.int(VOCAB));
  const targets = Int32Array.from({ length: T }, () => rng.int(VOCAB));
  return [
    { name: "1 block", params: block.numParameters(), forward: () => sum(mul(block.forward(x), r)), opt: new Adam(block.parameters(), { lr: 1e-4 }) },
    { name: "3 blocks + vocab 533", params: model.numParameters(), forward: () => model.loss(ids, targets), opt: new Adam(model.parameters(), { lr: 1e-4 }) },
  ];
}

interface Timing {
  forward: number;
  backward: number;
  adam: number;
  total: number;
}

function step(c: Case): Timing {
  const t0 = performance.now();
  c.opt.zeroGrad();
  const loss = c.forward();
  const t1 = performance.now();
  loss.backward();
  const t2 = performance.now();
  c.opt.step();
  const t3 = performance.now();
  return { forward: t1 - t0, backward: t2 - t1, adam: t3 - t2, total: t3 - t0 };
}

/** The fastest run: on a shared, loaded machine the median mostly measures the other processes. */
function best(xs: number[]): number {
  return Math.min(...xs);
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}

/** Fraction of profiler samples inside @mini/tensor's kernels/matmul.ts. */
async function matmulShare(c: Case, steps: number): Promise<number> {
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: 100 });
  await session.post("Profiler.start");
  for (let i = 0; i < steps; i++) step(c);
  const { profile } = (await session.post("Profiler.stop")) as { profile: { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] } };
  session.disconnect();
  const parent = new Map<number, number>();
  const byId = new Map<number, ProfileNode>();
  for (const n of profile.nodes) {
    byId.set(n.id, n);
    for (const ch of n.children ?? []) parent.set(ch, n.id);
  }
  const inMatmul = new Map<number, boolean>();
  const isMatmul = (id: number): boolean => {
    const cached = inMatmul.get(id);
    if (cached !== undefined) return cached;
    const n = byId.get(id)!;
    const p = parent.get(id);
    const v = /tensor\/(src|dist)\/kernels\/matmul\.(ts|js)$/.test(n.callFrame.url) || (p !== undefined && isMatmul(p));
    inMatmul.set(id, v);
    return v;
  };
  let total = 0;
  let mm = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i + 1] ?? 0; // delta to the next sample: how long this one stood
    total += dt;
    if (isMatmul(id)) mm += dt;
  });
  return total > 0 ? mm / total : NaN;
}

interface Result {
  name: string;
  params: number;
  timing: Timing;
  matmulShare: number;
}

async function measure(steps: number): Promise<Result[]> {
  const out: Result[] = [];
  for (const c of makeCases()) {
    for (let i = 0; i < 3; i++) step(c); // warm-up: JIT, WASM scratch, grad buffers
    const runs = Array.from({ length: steps }, () => step(c));
    const timing: Timing = {
      forward: best(runs.map((r) => r.forward)),
      backward: best(runs.map((r) => r.backward)),
      adam: best(runs.map((r) => r.adam)),
      total: best(runs.map((r) => r.total)),
    };
    out.push({ name: c.name, params: c.params, timing, matmulShare: await matmulShare(c, Math.max(3, Math.ceil(steps / 2))) });
  }
  return out;
}

const args = process.argv.slice(2);
const steps = Number(args[args.indexOf("--steps") + 1] ?? 10) || 10;

if (args.includes("--child")) {
  process.stdout.write(JSON.stringify(await measure(steps)));
} else {
  const fast = await measure(steps);
  // The same script in a child process with the WASM kernels switched off (JS kernels only).
  const child = spawnSync(process.execPath, [...process.execArgv, process.argv[1]!, "--child", "--steps", String(steps)], {
    env: { ...process.env, MINI_NO_WASM: "1" },
    encoding: "utf8",
    maxBuffer: 1 << 24,
  });
  if (child.status !== 0) throw new Error(`MINI_NO_WASM child failed (${child.status}): ${child.stderr}`);
  const slow = JSON.parse(child.stdout) as Result[];

  const ms = (v: number) => v.toFixed(1).padStart(7);
  console.log(`one training step (forward + backward + Adam), batch 1, seq ${T}, d ${D}, hidden ${HIDDEN}, ${HEADS} heads; best of ${steps} (each part separately)`);
  console.log(`node ${process.version}, ${process.arch}\n`);
  console.log("| model | params | kernels | forward ms | backward ms | Adam ms | step ms | matmul share |");
  console.log("|---|---:|---|---:|---:|---:|---:|---:|");
  for (const [kernels, rs] of [["default (WASM SIMD)", fast], ["MINI_NO_WASM=1 (JS)", slow]] as const) {
    for (const r of rs) {
      const t = r.timing;
      console.log(`| ${r.name} | ${r.params} | ${kernels} | ${ms(t.forward)} | ${ms(t.backward)} | ${ms(t.adam)} | ${ms(t.total)} | ${(100 * r.matmulShare).toFixed(0)}% |`);
    }
  }
  console.log("");
  fast.forEach((r, i) => console.log(`${r.name}: WASM step is ${(slow[i]!.timing.total / r.timing.total).toFixed(2)}× faster than JS-only`));
}
