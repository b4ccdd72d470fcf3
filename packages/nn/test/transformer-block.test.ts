import { Variable, add, noGrad } from "@mini/autograd";
import { Tensor, createRng } from "@mini/tensor";
import { describe, expect, it } from "vitest";
import { ConfigError, ParamSource, TransformerBlock, type TransformerBlockConfig } from "../src/index.js";
import { bitEqual, closeTo, expectGradOk, layerGradCheck, randn } from "./helpers.js";

const llama: TransformerBlockConfig = {
  dModel: 8,
  nHeads: 4,
  nKvHeads: 2,
  ffnHidden: 12,
  ffnKind: "swiglu",
  norm: { kind: "rms" },
  normPlacement: "pre",
  rope: { theta: 10000 },
};
const rustgpt: TransformerBlockConfig = {
  dModel: 8,
  nHeads: 2,
  ffnHidden: 16,
  ffnKind: "relu",
  norm: { kind: "layer", epsPlacement: "outside" },
  normPlacement: "post",
  outputProjection: true,
};

describe("TransformerBlock", () => {
  it("HF Llama tensor names", () => {
    const b = new TransformerBlock(ParamSource.init(0).pp("model.layers.0"), llama);
    expect(b.namedParameters().map(([n]) => n).sort()).toEqual(
      [
        "input_layernorm.weight",
        "mlp.down_proj.weight",
        "mlp.gate_proj.weight",
        "mlp.up_proj.weight",
        "post_attention_layernorm.weight",
        "self_attn.k_proj.weight",
        "self_attn.o_proj.weight",
        "self_attn.q_proj.weight",
        "self_attn.v_proj.weight",
      ].map((n) => `model.layers.0.${n}`),
    );
  });

  it("pre-norm: h = x + attn(norm1(x)), y = h + mlp(norm2(h)), composed from its own sub-layers", () => {
    const b = new TransformerBlock(ParamSource.init(1), llama);
    const x = new Variable(randn([2, 3, 8], 2));
    noGrad(() => {
      const h = add(x, b.attn.forward(b.norm1.forward(x)));
      const want = add(h, b.mlp.forward(b.norm2.forward(h)));
      expect(bitEqual(b.forward(x).data, want.data)).toBe(true);
    });
  });

  it("post-norm: h = norm1(x + attn(x)), y = norm2(h + mlp(h))", () => {
    const b = new TransformerBlock(ParamSource.init(1), rustgpt);
    const x = new Variable(randn([1, 4, 8], 2));
    noGrad(() => {
      const h = b.norm1.forward(add(x, b.attn.forward(x)));
      const want = b.norm2.forward(add(h, b.mlp.forward(h)));
      expect(bitEqual(b.forward(x).data, want.data)).toBe(true);
    });
  });

  it("hand example: with zero output projections a pre-norm block is the identity", () => {
    const b = new TransformerBlock(ParamSource.init(1), llama);
    b.attn.o!.weight.value.data.fill(0);
    b.mlp.down.weight.value.data.fill(0);
    const x = randn([1, 3, 8], 5);
    const y = noGrad(() => b.forward(new Variable(x)));
    expect(Array.from(y.data)).toEqual(Array.from(x.data));
  });

  it("residual dropout is active in training only", () => {
    const b = new TransformerBlock(ParamSource.init(1), { ...llama, dropout: { p: 0.5, rng: createRng(3) } });
    const x = new Variable(randn([1, 3, 8], 5));
    const train1 = noGrad(() => b.forward(x)).data;
    const train2 = noGrad(() => b.forward(x)).data;
    expect(Array.from(train1)).not.toEqual(Array.from(train2));
    b.eval();
    expect(Array.from(noGrad(() => b.forward(x)).data)).toEqual(Array.from(noGrad(() => b.forward(x)).data));
  });

  it("gradCheck over input and every parameter, both placements", () => {
    for (const cfg of [llama, rustgpt]) {
      const b = new TransformerBlock(ParamSource.init(7), { ...cfg, dModel: 4, nHeads: 2, nKvHeads: cfg.nKvHeads ? 1 : undefined, ffnHidden: 6 });
      // maxPerInput bounds the runtime: a seeded sample of elements per tensor.
      expectGradOk(layerGradCheck(b, [randn([1, 3, 4], 8)], (x) => b.forward(x!), { maxPerInput: 24 }));
    }
  });

  it("padding keeps the real tokens' outputs (lengths pass through to attention)", () => {
    const b = new TransformerBlock(ParamSource.init(2), llama);
    const x = randn([1, 5, 8], 3);
    const alone = noGrad(() => b.forward(new Variable(Tensor.from(x.data.slice(0, 24), [1, 3, 8])))).data;
    const padded = noGrad(() => b.forward(new Variable(x), { lengths: [3] })).data;
    closeTo(padded.subarray(0, 24), alone, 1e-5);
  });

  it("bad norm settings name the field", () => {
    expect(() => new TransformerBlock(ParamSource.init(0), { ...llama, normPlacement: "middle" as "pre" })).toThrow(ConfigError);
    expect(() => new TransformerBlock(ParamSource.init(0), { ...llama, norm: { kind: "batch" } as unknown as TransformerBlockConfig["norm"] })).toThrow(/norm.kind must be "rms" or "layer"/);
  });
});
