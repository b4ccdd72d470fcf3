import v8 from "node:v8";
import vm from "node:vm";
import { describe, expect, it } from "vitest";
import { Tensor, createRng } from "@mini/tensor";
import { add, crossEntropy, matmul, param, relu, noGrad, type Variable } from "../src/index.js";

/**
 * The tape must free closures and intermediates after backward, so memory after step 1000 equals
 * memory after step 10. A forced GC makes the heap numbers meaningful: `--expose-gc` can be turned
 * on at runtime through V8 flags, and `gc` is then reachable from a fresh context.
 */
function getGc(): () => void {
  v8.setFlagsFromString("--expose-gc");
  return vm.runInNewContext("gc") as () => void;
}

/** A small MLP classifier step: x [64, 32] → relu(x·W1 + b1) [64, 64] → ·W2 [64, 16] → CE loss; SGD. */
function makeModel(seed: number) {
  const rng = createRng(seed);
  const W1 = param(Tensor.randn([32, 64], rng, 0.2), "W1");
  const b1 = param(Tensor.zeros([64]), "b1");
  const W2 = param(Tensor.randn([64, 16], rng, 0.2), "W2");
  const params = [W1, b1, W2];
  const x = Tensor.randn([64, 32], rng);
  const targets = Int32Array.from({ length: 64 }, (_, i) => i % 16);
  const step = (): { loss: Variable; hidden: Variable } => {
    const hidden = relu(add(matmul(param(x), W1), b1));
    const loss = crossEntropy(matmul(hidden, W2), targets);
    loss.backward();
    noGrad(() => {
      for (const p of params) {
        const d = p.data;
        const g = p.grad!.data;
        for (let i = 0; i < d.length; i++) d[i] -= 0.05 * g[i]!;
        p.zeroGrad();
      }
    });
    return { loss, hidden };
  };
  return step;
}

/**
 * JS heap plus ArrayBuffer backing stores (where Float32Array data lives, outside heapUsed), after
 * a few full GCs: V8 sweeps array buffers concurrently, so their count settles only a little
 * after gc() returns.
 */
async function settledBytes(gc: () => void): Promise<number> {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

describe("tape memory", () => {
  it("frees every step's intermediates even while the caller keeps the losses", async () => {
    const gc = getGc();
    const step = makeModel(1);
    const losses: Variable[] = []; // kept on purpose: a loss history must not pin the graphs
    const hiddenRefs: WeakRef<Tensor>[] = [];
    for (let i = 0; i < 200; i++) {
      const { loss, hidden } = step();
      losses.push(loss);
      hiddenRefs.push(new WeakRef(hidden.value));
    }
    // A WeakRef keeps its target alive until the end of the job that created (or deref'd) it,
    // so let the job end before collecting.
    await new Promise((resolve) => setTimeout(resolve, 0));
    gc();
    const alive = hiddenRefs.filter((r) => r.deref() !== undefined).length;
    expect(alive).toBeLessThanOrEqual(1);
    expect(losses[199]!.item()).toBeLessThan(losses[0]!.item());
  });

  it("heap after step 1000 ≈ heap after step 10", async () => {
    const gc = getGc();
    const step = makeModel(2);
    const history: Variable[] = []; // the loss Variables themselves, as a careless loss log would
    let heapAt10 = 0;
    for (let i = 1; i <= 1000; i++) {
      history.push(step().loss);
      if (i === 10) heapAt10 = await settledBytes(gc);
    }
    const heapAt1000 = await settledBytes(gc);
    const growth = heapAt1000 - heapAt10;
    // Each kept loss is a Variable + a one-element Tensor (a few hundred bytes); if its tape were
    // kept, each would also pin that step's activations, saved softmax and closures (~70 KB:
    // measured +70 MB over 990 steps with the release disabled, +0.1–0.5 MB with it).
    // Allow 2 MB: 990 small loss objects plus V8 noise.
    expect(growth).toBeLessThan(2 * 1024 * 1024);
    expect(history[999]!.item()).toBeLessThan(history[0]!.item());
  });
});
