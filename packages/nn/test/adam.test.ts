import { Tensor } from "@mini/tensor";
import { describe, expect, it } from "vitest";
import { Adam, AdamW, ConfigError, Parameter, StateDictError } from "../src/index.js";

// Three scalars updated by two steps with fixed gradients; expected values worked out by hand
// from PyTorch's Adam/AdamW formulas (lr 0.1, β1 0.9, β2 0.999, ε 1e-8):
//   step 1:  m = 0.1·g,  v = 0.001·g²,  bc1 = 0.1, bc2 = 0.001
//            p ← p − (0.1/0.1)·m / (√v/√0.001 + ε) = p − 0.1·g/(|g| + ε) ≈ p − 0.1·sign(g)
//   step 2 (g = [0.2, 0.1, −0.1]), parameter 0 without decay:
//            m = 0.9·0.01 + 0.1·0.2 = 0.029,  v = 0.999·1e-5 + 0.001·0.04 = 4.999e-5
//            bc1 = 1 − 0.81 = 0.19,  bc2 = 1 − 0.998001 = 0.001999
//            p = 0.9 − (0.1/0.19)·0.029 / (√4.999e-5 / √0.001999 + 1e-8) = 0.8034818
const P0 = [1.0, -2.0, 0.5];
const G = [
  [0.1, -0.2, 0.3],
  [0.2, 0.1, -0.1],
];

function run(make: (ps: Parameter[]) => Adam | AdamW): { after: number[][]; opt: Adam | AdamW; p: Parameter } {
  const p = new Parameter(Tensor.from(new Float32Array(P0), [3]), "w");
  const opt = make([p]);
  const after: number[][] = [];
  for (const g of G) {
    p.grad = Tensor.from(new Float32Array(g), [3]);
    opt.step();
    after.push(p.value.toArray());
  }
  return { after, opt, p };
}

function close(got: number[], want: number[], tol = 2e-6): void {
  expect(got.length).toBe(want.length);
  got.forEach((g, i) => expect(Math.abs(g - want[i]!)).toBeLessThan(tol));
}

describe("Adam", () => {
  it("matches hand-computed values for two steps", () => {
    const { after, opt } = run((ps) => new Adam(ps, { lr: 0.1 }));
    close(after[0]!, [0.9, -1.9, 0.4]);
    // parameters 1 and 2 of step 2, same derivation: m = [−0.008, 0.017], v = [4.996e-5, 9.991e-5]
    close(after[1]!, [0.8034818, -1.8733663, 0.3599781]);
    const st = opt.stateDict();
    expect(st.step).toBe(2);
    close(st.tensors["w.exp_avg"]!.toArray(), [0.029, -0.008, 0.017], 1e-7);
    close(st.tensors["w.exp_avg_sq"]!.toArray(), [4.999e-5, 4.996e-5, 9.991e-5], 1e-10);
  });

  it("adds weightDecay·p to the gradient (L2, torch.optim.Adam)", () => {
    // step 1, parameter 0: g = 0.1 + 0.1·1.0 = 0.2 → p = 1 − 0.1·sign(0.2) = 0.9
    // step 2, parameter 0: g = 0.2 + 0.1·0.9 = 0.29, m = 0.9·0.02 + 0.1·0.29 = 0.047,
    //   v = 0.999·4e-5 + 0.001·0.0841 = 1.2406e-4, p = 0.9 − (0.1/0.19)·0.047/(√1.2406e-4/√0.001999 + 1e-8) = 0.8007033
    const { after } = run((ps) => new Adam(ps, { lr: 0.1, weightDecay: 0.1 }));
    close(after[0]!, [0.9, -1.9, 0.4]);
    close(after[1]!, [0.8007033, -1.8182876, 0.3465378]);
  });
});

describe("AdamW", () => {
  it("decays the weights before the Adam step (decoupled, torch.optim.AdamW)", () => {
    // step 1: p ← p·(1 − 0.1·0.1) − 0.1·sign(g):  1·0.99 − 0.1 = 0.89, −2·0.99 + 0.1 = −1.88, 0.5·0.99 − 0.1 = 0.395
    // step 2, parameter 0: 0.89·0.99 − (Adam step of the no-decay case, 0.0965182) = 0.7845818
    const { after } = run((ps) => new AdamW(ps, { lr: 0.1, weightDecay: 0.1 }));
    close(after[0]!, [0.89, -1.88, 0.395]);
    close(after[1]!, [0.7845818, -1.8345663, 0.3510281]);
  });

  it("defaults to weightDecay 0.01 like PyTorch, and validates hyperparameters", () => {
    const p = new Parameter(Tensor.zeros([2]), "w");
    expect(new AdamW([p]).weightDecay).toBe(0.01);
    expect(() => new AdamW([p], { beta1: 1 })).toThrow(ConfigError);
    expect(() => new AdamW([p], { beta2: -0.1 })).toThrow(/beta2 must be a number in \[0, 1\), got -0.1/);
    expect(() => new AdamW([p], { lr: Number.NaN })).toThrow(/lr/);
  });

  it("state round trip: a restored optimizer continues exactly like the original", () => {
    const a = run((ps) => new AdamW(ps, { lr: 0.05, weightDecay: 0.1 }));
    const p2 = new Parameter(Tensor.from(new Float32Array(a.p.value.data), [3]), "w");
    const b = new AdamW([p2], { lr: 0.5 });
    b.loadStateDict(a.opt.stateDict());
    expect(b.lr).toBe(0.05); // hyperparameters come with the state, as in PyTorch
    const g = Tensor.from(new Float32Array([0.3, 0.3, -0.7]), [3]);
    a.p.grad = g;
    p2.grad = g.clone();
    a.opt.step();
    b.step();
    expect(p2.value.toArray()).toEqual(a.p.value.toArray());
  });

  it("stateDict(reuse) overwrites the earlier copy's buffers with the current state, and later steps leave it alone", () => {
    const a = run((ps) => new AdamW(ps, { lr: 0.05, weightDecay: 0.1 }));
    const first = a.opt.stateDict();
    const m1 = first.tensors["w.exp_avg"]!.toArray();
    a.p.grad = Tensor.from(new Float32Array([0.3, 0.3, -0.7]), [3]);
    a.opt.step();
    expect(first.tensors["w.exp_avg"]!.toArray()).toEqual(m1); // a copy: the step did not change it
    const fresh = a.opt.stateDict();
    const reused = a.opt.stateDict(first);
    expect(reused.step).toBe(3);
    expect(reused.tensors["w.exp_avg"]!.data).toBe(first.tensors["w.exp_avg"]!.data); // same buffer
    expect(reused.tensors["w.exp_avg"]!.toArray()).not.toEqual(m1);
    for (const name of ["w.exp_avg", "w.exp_avg_sq"]) expect(reused.tensors[name]!.toArray()).toEqual(fresh.tensors[name]!.toArray());
    // a reuse whose tensor has another size is not written into: a fresh buffer is made
    const other = { ...first, tensors: { ...first.tensors, "w.exp_avg": Tensor.zeros([2]) } };
    const again = a.opt.stateDict(other);
    expect(again.tensors["w.exp_avg"]!.data).not.toBe(other.tensors["w.exp_avg"].data);
    expect(again.tensors["w.exp_avg"]!.toArray()).toEqual(fresh.tensors["w.exp_avg"]!.toArray());
  });

  it("loadStateDict names missing and mis-shaped state tensors, and refuses another kind", () => {
    const a = new AdamW([new Parameter(Tensor.zeros([2, 3]), "w"), new Parameter(Tensor.zeros([3]), "b")]);
    const b = new AdamW([new Parameter(Tensor.zeros([3, 2]), "w"), new Parameter(Tensor.zeros([3]), "c")]);
    let err: unknown;
    try {
      b.loadStateDict(a.stateDict());
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StateDictError);
    const msg = (err as Error).message;
    expect(msg).toContain("w.exp_avg: expected [3, 2], got [2, 3]");
    expect(msg).toContain("c.exp_avg");
    expect(msg).toContain("b.exp_avg_sq");
    const adam = new Adam([new Parameter(Tensor.zeros([2, 3]), "w"), new Parameter(Tensor.zeros([3]), "b")]);
    expect(() => adam.loadStateDict(a.stateDict())).toThrow(/"adamw" optimizer, this is "adam"/);
  });
});
