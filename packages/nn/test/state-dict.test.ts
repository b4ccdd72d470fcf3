import { Variable, noGrad } from "@mini/autograd";
import { Tensor, createRng } from "@mini/tensor";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ParamSource, StateDictError, TransformerBlock, type TransformerBlockConfig } from "../src/index.js";

const cfg = (d: number, hidden: number): TransformerBlockConfig => ({
  dModel: d,
  nHeads: 2,
  ffnHidden: hidden,
  ffnKind: "gelu",
  norm: { kind: "layer" },
  normPlacement: "pre",
});

describe("stateDict / loadStateDict", () => {
  it("round trip reproduces outputs exactly (property over seeds and inputs)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e6 }), fc.integer({ min: 1, max: 5 }), (seed, T) => {
        const a = new TransformerBlock(ParamSource.init(seed), cfg(8, 16));
        const b = new TransformerBlock(ParamSource.init(seed + 1), cfg(8, 16));
        b.loadStateDict(a.stateDict());
        const x = new Variable(Tensor.randn([1, T, 8], createRng(seed)));
        const ya = noGrad(() => a.forward(x)).value.data;
        const yb = noGrad(() => b.forward(x)).value.data;
        expect(Buffer.from(yb.buffer, yb.byteOffset, yb.byteLength).equals(Buffer.from(ya.buffer, ya.byteOffset, ya.byteLength))).toBe(true);
      }),
      { numRuns: 10 },
    );
  });

  it("loading into another configuration fails with one message naming every mismatch, changing nothing", () => {
    const small = new TransformerBlock(ParamSource.init(1), cfg(8, 16));
    const big = new TransformerBlock(ParamSource.init(2), { ...cfg(8, 32), norm: { kind: "layer", bias: false } });
    const before = big.parameters().map((p) => Array.from(p.value.data));
    let err: StateDictError | null = null;
    try {
      big.loadStateDict(small.stateDict());
    } catch (e) {
      err = e as StateDictError;
    }
    expect(err).toBeInstanceOf(StateDictError);
    expect(err!.misShaped.map((m) => m.name).sort()).toEqual(["mlp.down_proj.weight", "mlp.up_proj.bias", "mlp.up_proj.weight"]);
    expect([...err!.unexpected].sort()).toEqual(["input_layernorm.bias", "post_attention_layernorm.bias"]);
    expect(err!.message).toContain("mlp.up_proj.weight: expected [32, 8], got [16, 8]");
    expect(err!.message).toContain("unexpected (2): ");
    expect(big.parameters().map((p) => Array.from(p.value.data))).toEqual(before);
  });

  it("strict: false returns missing and unexpected names, and loads the rest", () => {
    const a = new TransformerBlock(ParamSource.init(1), cfg(8, 16));
    const sd = { ...a.stateDict() };
    delete sd["mlp.up_proj.bias"];
    sd["extra.weight"] = Tensor.zeros([1]);
    const b = new TransformerBlock(ParamSource.init(9), cfg(8, 16));
    expect(() => b.loadStateDict(sd)).toThrow(/missing \(1\): mlp.up_proj.bias/);
    const r = b.loadStateDict(sd, { strict: false });
    expect(r).toEqual({ missing: ["mlp.up_proj.bias"], unexpected: ["extra.weight"] });
    expect(b.stateDict()["mlp.down_proj.weight"]!.toArray()).toEqual(a.stateDict()["mlp.down_proj.weight"]!.toArray());
  });

  it("loads keep the parameter buffers (optimizer state stays attached)", () => {
    const a = new TransformerBlock(ParamSource.init(1), cfg(8, 16));
    const b = new TransformerBlock(ParamSource.init(2), cfg(8, 16));
    const values = b.parameters().map((p) => p.value);
    b.loadStateDict(a.stateDict());
    expect(b.parameters().map((p) => p.value)).toEqual(values);
    b.parameters().forEach((p, i) => expect(p.value).toBe(values[i]));
  });
});
