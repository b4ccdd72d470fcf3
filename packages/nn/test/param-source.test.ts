import { Tensor, parseSafetensors, serializeSafetensors } from "@mini/tensor";
import { describe, expect, it } from "vitest";
import { Linear, Module, ParamError, ParamSource, ShapeRecorder, init, type TensorScope } from "../src/index.js";

describe("ParamSource", () => {
  it("pp scopes names with dots, and numbers are path segments", () => {
    const ps = ParamSource.init(0);
    const p = ps.pp("model").pp("layers").pp(3).pp("self_attn").get("q_proj.weight", [4, 2]);
    expect(p.name).toBe("model.layers.3.self_attn.q_proj.weight");
    expect(p.value.shape).toEqual([4, 2]);
    expect(p.value.isPinned).toBe(true);
    expect(p.requiresGrad).toBe(true);
  });

  it("same seed, same code → the same parameters bit for bit", () => {
    const make = (seed: number) => {
      const ps = ParamSource.init(seed);
      return [ps.get("a", [3, 5], init.xavierUniform()), ps.get("b", [7], init.normal(0.02))].map((p) => Array.from(p.value.data));
    };
    expect(make(42)).toEqual(make(42));
    expect(make(42)).not.toEqual(make(43));
  });

  it("loads from a Record, copying (no aliasing) into pinned memory", () => {
    const src = { "lin.weight": Tensor.from(new Float32Array([1, 2, 3, 4, 5, 6]), [2, 3]), "lin.bias": Tensor.from(new Float32Array([7, 8]), [2]) };
    const lin = new Linear(ParamSource.fromTensors(src).pp("lin"), 3, 2);
    expect(lin.weight.value.toArray()).toEqual([1, 2, 3, 4, 5, 6]);
    expect(lin.bias!.value.toArray()).toEqual([7, 8]);
    expect(lin.weight.value.isPinned).toBe(true);
    src["lin.weight"].data[0] = 100;
    expect(lin.weight.value.data[0]).toBe(1);
  });

  it("loads from a safetensors file and reports unused names", () => {
    const bytes = serializeSafetensors({ "w.weight": Tensor.from(new Float32Array([1, 2]), [1, 2]), extra: Tensor.zeros([1]) });
    const ps = ParamSource.fromTensors(parseSafetensors(bytes, "m.safetensors"), { name: "m.safetensors" });
    const lin = new Linear(ps.pp("w"), 2, 1, { bias: false });
    expect(lin.weight.value.toArray()).toEqual([1, 2]);
    expect(ps.unusedNames()).toEqual(["extra"]);
  });

  it("follows __metadata__ aliases (HF tied weights) in a file", () => {
    const head = Tensor.from(new Float32Array([1, 2, 3, 4]), [2, 2]);
    const bytes = serializeSafetensors({ "lm_head.weight": head }, { "model.embed_tokens.weight": "lm_head.weight" });
    const ps = ParamSource.fromTensors(parseSafetensors(bytes, "tied.safetensors"));
    expect(ps.has("model.embed_tokens.weight")).toBe(true);
    const emb = ps.get("model.embed_tokens.weight", [2, 2]);
    expect(emb.value.toArray()).toEqual([1, 2, 3, 4]);
    expect(ps.unusedNames()).toEqual([]);
    expect(ps.get("lm_head.weight", [2, 2]).value.toArray()).toEqual([1, 2, 3, 4]);
    expect(() => ParamSource.fromTensors(parseSafetensors(bytes)).get("model.embed_tokens.weight", [4])).toThrow(
      "shape mismatch for model.embed_tokens.weight (stored as lm_head.weight): expected [4], got [2, 2]",
    );
  });

  it("fallback aliases, storedShape, fileOf, and the unused check before any data is read", () => {
    const bytes = serializeSafetensors({ "lm_head.weight": Tensor.from(new Float32Array([1, 2]), [1, 2]), "b.bias": Tensor.zeros([3]) });
    const file = parseSafetensors(bytes, "tied.safetensors");
    const ps = ParamSource.fromTensors(file, { name: "tied.safetensors", aliases: { "embed.weight": "lm_head.weight" } });
    expect(ps.resolve("embed.weight")).toBe("lm_head.weight");
    expect(ps.pp("embed").resolve("weight")).toBe("lm_head.weight");
    expect(ps.resolve("nope")).toBeNull();
    expect(ps.storedShape("embed.weight")).toEqual([1, 2]);
    expect(ps.storedShape("nope")).toBeNull();
    expect(ps.fileOf("embed.weight")).toBe("tied.safetensors");
    // Given the names a model will ask for: what none of them resolves to.
    expect(ps.unusedNames(["embed.weight"])).toEqual(["b.bias"]);
    expect(ps.unusedNames(["embed.weight", "b.bias"])).toEqual([]);
    // tensor(): the plain Tensor, read through the alias.
    expect(ps.tensor("embed.weight", [1, 2]).toArray()).toEqual([1, 2]);
    // A stored name wins over a fallback.
    const both = ParamSource.fromTensors({ a: Tensor.from(new Float32Array([5]), [1]), b: Tensor.from(new Float32Array([6]), [1]) }, { aliases: { a: "b" } });
    expect(both.tensor("a", [1]).toArray()).toEqual([5]);
  });

  it("one function of a TensorScope gives names and shapes (ShapeRecorder) or values (ParamSource)", () => {
    const layout = <T>(s: TensorScope<T>) => ({ w: s.pp("layers").pp(0).tensor("weight", [2, 3]), b: s.pp("out").tensor("bias", [4]) });
    const r = ShapeRecorder.create();
    layout(r);
    expect([...r.shapes]).toEqual([["layers.0.weight", [2, 3]], ["out.bias", [4]]]);
    const values = layout(ParamSource.fromTensors({ "layers.0.weight": Tensor.zeros([2, 3]), "out.bias": Tensor.from(new Float32Array([1, 2, 3, 4]), [4]) }));
    expect(values.b.toArray()).toEqual([1, 2, 3, 4]);
    expect(() => r.tensor("out.bias", [4])).toThrow(/asked for twice/);
  });

  it("a wrong shape names the tensor, expected and got", () => {
    const ps = ParamSource.fromTensors({ "model.layers.0.self_attn.k_proj.weight": Tensor.zeros([128, 128]) });
    expect(() => ps.pp("model.layers.0.self_attn").get("k_proj.weight", [64, 128])).toThrow(
      "shape mismatch for model.layers.0.self_attn.k_proj.weight: expected [64, 128], got [128, 128]",
    );
  });

  it("a missing tensor names it and suggests similar names", () => {
    const ps = ParamSource.fromTensors({ "model.layers.0.mlp.up_proj.weight": Tensor.zeros([2, 2]) }, { name: "ckpt/model.safetensors" });
    let msg = "";
    try {
      ps.pp("layers.0.mlp").get("up_proj.weight", [2, 2]);
    } catch (e) {
      expect(e).toBeInstanceOf(ParamError);
      msg = (e as Error).message;
    }
    expect(msg).toContain("layers.0.mlp.up_proj.weight not found in ckpt/model.safetensors");
    expect(msg).toContain("similar names: model.layers.0.mlp.up_proj.weight");
  });

  it("has() tells optional tensors apart; creating a name twice throws", () => {
    const ps = ParamSource.fromTensors({ "a.weight": Tensor.zeros([1]) });
    expect(ps.pp("a").has("weight")).toBe(true);
    expect(ps.pp("a").has("bias")).toBe(false);
    const fresh = ParamSource.init(1);
    fresh.get("x", [1]);
    expect(() => fresh.get("x", [1])).toThrow(/already created.*same Parameter object/);
  });

  it("an initialiser that cannot handle the shape names the parameter", () => {
    expect(() => ParamSource.init(1).pp("norm").get("weight", [8], init.xavierUniform())).toThrow(
      /cannot initialise norm.weight \[8\] with xavierUniform\(gain=1\)/,
    );
  });

  it("pinned: false keeps values on the JS heap", () => {
    expect(ParamSource.init(1, { pinned: false }).get("w", [2]).value.isPinned).toBe(false);
  });
});

class Tied extends Module {
  readonly emb;
  readonly layers: Linear[];
  readonly head;
  constructor(ps: ParamSource) {
    super();
    this.emb = new Linear(ps.pp("emb"), 3, 3, { bias: false });
    this.layers = [0, 1].map((i) => new Linear(ps.pp("layers").pp(i), 3, 3));
    this.head = { weight: this.emb.weight }; // a plain object is not walked
  }
}

describe("Module", () => {
  it("walks fields and arrays in order, names by path, counts parameters", () => {
    const m = new Tied(ParamSource.init(0));
    expect(m.namedParameters().map(([n]) => n)).toEqual(["emb.weight", "layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias"]);
    expect(m.numParameters()).toBe(9 + 2 * 12);
    expect(m.modules()).toHaveLength(4);
  });

  it("train()/eval() reach every sub-module", () => {
    const m = new Tied(ParamSource.init(0)).eval();
    expect(m.modules().every((x) => !x.training)).toBe(true);
    m.train();
    expect(m.modules().every((x) => x.training)).toBe(true);
  });

  it("a parameter reachable twice (tied) is listed once", () => {
    class Two extends Module {
      a = new Linear(ParamSource.init(0).pp("a"), 2, 2, { bias: false });
      b = [this.a];
    }
    expect(new Two().namedParameters()).toHaveLength(1);
  });
});
