import { Variable, noGrad } from "@mini/autograd";
import { Tensor } from "@mini/tensor";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CausalSelfAttention, ConfigError, ParamSource, type AttentionConfig } from "../src/index.js";
import { closeTo, expectGradOk, layerGradCheck, randn } from "./helpers.js";

/** Plain float64 attention, head by head (head h uses KV head ⌊h·nKv/nHeads⌋), HF rotate-half RoPE. */
function referenceAttention(
  x: Float32Array,
  [B, T, D]: number[],
  w: Record<string, Float32Array>,
  cfg: { nHeads: number; nKvHeads: number; headDim: number; causal: boolean; theta: number | null; lengths?: number[] },
): Float64Array {
  const { nHeads: H, nKvHeads: Hkv, headDim: hd } = cfg;
  const proj = (W: Float32Array, rows: number, b: number, t: number): number[] =>
    Array.from({ length: rows }, (_, o) => {
      let s = 0;
      for (let i = 0; i < D; i++) s += W[o * D + i]! * x[(b * T + t) * D + i]!;
      return s;
    });
  const rope = (vec: number[], heads: number, pos: number): number[] => {
    if (cfg.theta === null) return vec;
    const out = [...vec];
    const half = hd / 2;
    for (let h = 0; h < heads; h++)
      for (let i = 0; i < half; i++) {
        const a = pos * Math.pow(cfg.theta, (-2 * i) / hd);
        const x0 = vec[h * hd + i]!;
        const x1 = vec[h * hd + i + half]!;
        out[h * hd + i] = x0 * Math.cos(a) - x1 * Math.sin(a);
        out[h * hd + i + half] = x1 * Math.cos(a) + x0 * Math.sin(a);
      }
    return out;
  };
  const out = new Float64Array(B * T * D);
  for (let b = 0; b < B; b++) {
    const q = Array.from({ length: T }, (_, t) => rope(proj(w.q!, H * hd, b, t), H, t));
    const k = Array.from({ length: T }, (_, t) => rope(proj(w.k!, Hkv * hd, b, t), Hkv, t));
    const v = Array.from({ length: T }, (_, t) => proj(w.v!, Hkv * hd, b, t));
    const len = cfg.lengths ? cfg.lengths[b]! : T;
    for (let t = 0; t < T; t++) {
      const merged = new Array<number>(H * hd).fill(0);
      for (let h = 0; h < H; h++) {
        const kv = Math.floor((h * Hkv) / H);
        const allowed = (j: number) => j < len && (!cfg.causal || j <= t);
        const scores = Array.from({ length: T }, (_, j) => {
          let s = 0;
          for (let i = 0; i < hd; i++) s += q[t]![h * hd + i]! * k[j]![kv * hd + i]!;
          return s / Math.sqrt(hd);
        });
        const m = Math.max(...scores.filter((_, j) => allowed(j)));
        const e = scores.map((s, j) => (allowed(j) ? Math.exp(s - m) : 0));
        const z = e.reduce((a, c) => a + c, 0);
        for (let j = 0; j < T; j++) for (let i = 0; i < hd; i++) merged[h * hd + i]! += (e[j]! / z) * v[j]![kv * hd + i]!;
      }
      for (let o = 0; o < D; o++) {
        let s = 0;
        for (let i = 0; i < H * hd; i++) s += w.o![o * H * hd + i]! * merged[i]!;
        out[(b * T + t) * D + o] = s;
      }
    }
  }
  return out;
}

function weightsOf(a: CausalSelfAttention): Record<string, Float32Array> {
  return { q: a.q.weight.value.data, k: a.k.weight.value.data, v: a.v.weight.value.data, o: a.o!.weight.value.data };
}

const run = (a: CausalSelfAttention, x: Tensor, inputs = {}) => noGrad(() => a.forward(new Variable(x), inputs)).value.data;

describe("CausalSelfAttention", () => {
  it("hand example: identity projections, T = 2, one head", () => {
    // q = k = v = x = [[1, 0], [0, 1]]. Position 0 sees only itself → [1, 0].
    // Position 1: scores [0, 1/√2] → p = [1, e^0.7071]/(1 + e^0.7071) = [0.33023, 0.66977] → [0.33023, 0.66977]
    const eye = Tensor.from(new Float32Array([1, 0, 0, 1]), [2, 2]);
    const ps = ParamSource.fromTensors({ "q_proj.weight": eye, "k_proj.weight": eye, "v_proj.weight": eye, "o_proj.weight": eye });
    const attn = new CausalSelfAttention(ps, { dModel: 2, nHeads: 1 });
    const p1 = 1 / (1 + Math.exp(Math.SQRT1_2));
    closeTo(run(attn, Tensor.from(new Float32Array([1, 0, 0, 1]), [1, 2, 2])), [1, 0, p1, 1 - p1]);
  });

  it("matches a float64 reference over heads, GQA groups, RoPE, causal and padding", () => {
    fc.assert(
      fc.property(
        fc.record({
          seed: fc.integer({ min: 0, max: 1e6 }),
          heads: fc.constantFrom({ H: 1, Hkv: 1 }, { H: 2, Hkv: 1 }, { H: 2, Hkv: 2 }, { H: 4, Hkv: 1 }, { H: 4, Hkv: 2 }, { H: 4, Hkv: 4 }),
          hd: fc.constantFrom(2, 4),
          B: fc.integer({ min: 1, max: 2 }),
          T: fc.integer({ min: 1, max: 5 }),
          causal: fc.boolean(),
          rope: fc.boolean(),
          padded: fc.boolean(),
        }),
        ({ seed, heads: { H, Hkv }, hd, B, T, causal, rope, padded }) => {
          const D = 6;
          const cfg: AttentionConfig = { dModel: D, nHeads: H, nKvHeads: Hkv, headDim: hd, causal, rope: rope ? { theta: 100 } : null };
          const attn = new CausalSelfAttention(ParamSource.init(seed), cfg);
          const x = randn([B, T, D], seed + 1);
          const lengths = padded ? Array.from({ length: B }, (_, b) => Math.max(1, T - b)) : undefined;
          const got = run(attn, x, lengths ? { lengths } : {});
          const want = referenceAttention(x.data, [B, T, D], weightsOf(attn), { nHeads: H, nKvHeads: Hkv, headDim: hd, causal, theta: rope ? 100 : null, lengths });
          closeTo(got, want, 1e-4);
        },
      ),
      { numRuns: 40 },
    );
  });

  it("GQA equals MHA whose K/V weights repeat each KV head for its group", () => {
    const D = 8;
    const gqa = new CausalSelfAttention(ParamSource.init(4), { dModel: D, nHeads: 4, nKvHeads: 2, rope: { theta: 10000 } });
    const hd = 2;
    const repeat = (w: Float32Array) => {
      // [2·hd, D] → [4·hd, D]: KV head g serves query heads 2g and 2g + 1
      const out = new Float32Array(4 * hd * D);
      for (let h = 0; h < 4; h++) out.set(w.subarray(Math.floor(h / 2) * hd * D, (Math.floor(h / 2) + 1) * hd * D), h * hd * D);
      return Tensor.from(out, [4 * hd, D]);
    };
    const sd = gqa.stateDict();
    const mha = new CausalSelfAttention(
      ParamSource.fromTensors({ ...sd, "k_proj.weight": repeat(sd["k_proj.weight"]!.data), "v_proj.weight": repeat(sd["v_proj.weight"]!.data) }),
      { dModel: D, nHeads: 4, nKvHeads: 4, rope: { theta: 10000 } },
    );
    const x = randn([2, 5, D], 9);
    closeTo(run(gqa, x), run(mha, x), 1e-5);
  });

  it("causal: the output at t does not change when inputs after t change", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e6 }), fc.integer({ min: 2, max: 7 }), fc.nat(), (seed, T, tRaw) => {
        const t = tRaw % T;
        const D = 8;
        const attn = new CausalSelfAttention(ParamSource.init(seed), { dModel: D, nHeads: 4, nKvHeads: 2, rope: { theta: 10000 } });
        const x = randn([1, T, D], seed + 1);
        const x2 = x.clone();
        const noise = randn([T, D], seed + 2);
        for (let i = (t + 1) * D; i < T * D; i++) x2.data[i] = noise.data[i]! * 3;
        const a = run(attn, x);
        const b = run(attn, x2);
        expect(Array.from(b.subarray(0, (t + 1) * D))).toEqual(Array.from(a.subarray(0, (t + 1) * D)));
        if (t < T - 1) expect(Array.from(b.subarray((t + 1) * D))).not.toEqual(Array.from(a.subarray((t + 1) * D)));
      }),
      { numRuns: 30 },
    );
  });

  it("padding does not change the outputs of the real tokens (causal or not, lengths or keyMask)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e6 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 4 }), fc.boolean(), (seed, len, pad, causal) => {
        const D = 8;
        const T = len + pad;
        const attn = new CausalSelfAttention(ParamSource.init(seed), { dModel: D, nHeads: 2, causal, rope: { theta: 10000 } });
        const padded = randn([1, T, D], seed + 1);
        const alone = Tensor.from(padded.data.slice(0, len * D), [1, len, D]);
        const want = run(attn, alone);
        closeTo(run(attn, padded, { lengths: [len] }).subarray(0, len * D), want, 1e-5);
        const keyMask = Array.from({ length: T }, (_, j) => (j < len ? 1 : 0));
        closeTo(run(attn, padded, { keyMask }).subarray(0, len * D), want, 1e-5);
      }),
      { numRuns: 30 },
    );
  });

  it("gradCheck over input and q/k/v/o weights (GQA, RoPE, padding)", () => {
    const attn = new CausalSelfAttention(ParamSource.init(3), { dModel: 4, nHeads: 2, nKvHeads: 1, rope: { theta: 10 }, qkvBias: true });
    expectGradOk(layerGradCheck(attn, [randn([2, 3, 4], 5)], (x) => attn.forward(x!, { lengths: [3, 2] })));
  });

  it("q/k RMSNorm (Qwen3): HF names, gradCheck with biases, and a head's scale no longer matters", () => {
    const cfg = { dModel: 4, nHeads: 2, nKvHeads: 1, rope: { theta: 10 }, qkvBias: true, outputBias: true, qkNorm: { eps: 1e-6 } };
    const attn = new CausalSelfAttention(ParamSource.init(4).pp("self_attn"), cfg);
    expect(attn.namedParameters().map(([n]) => n)).toEqual(expect.arrayContaining(["self_attn.q_norm.weight", "self_attn.k_norm.weight", "self_attn.o_proj.bias"]));
    expect(attn.qNorm!.weight.value.shape).toEqual([2]);
    expectGradOk(layerGradCheck(attn, [randn([2, 3, 4], 6)], (x) => attn.forward(x!, { lengths: [3, 2] })));
    // RMSNorm removes a per-head scale: q_proj and k_proj times 3 give the same output (eps 0);
    // without the norms they do not.
    for (const qkNorm of [{ eps: 0 }, null]) {
      const a = new CausalSelfAttention(ParamSource.init(8), { ...cfg, qkNorm });
      const x = randn([1, 5, 4], 9);
      const before = run(a, x);
      for (const lin of [a.q, a.k]) {
        lin.weight.value.data.forEach((v, i, d) => (d[i] = 3 * v));
        lin.bias!.value.data.forEach((v, i, d) => (d[i] = 3 * v));
      }
      const after = run(a, x);
      const diff = Math.max(...after.map((v, i) => Math.abs(v - before[i]!)));
      if (qkNorm) expect(diff).toBeLessThan(1e-5);
      else expect(diff).toBeGreaterThan(1e-3);
    }
  });

  it("accepts [T, dModel] and no output projection; names its tensors like HF", () => {
    const attn = new CausalSelfAttention(ParamSource.init(1).pp("self_attn"), { dModel: 4, nHeads: 2, outputProjection: false });
    expect(attn.namedParameters().map(([n]) => n)).toEqual(["self_attn.q_proj.weight", "self_attn.k_proj.weight", "self_attn.v_proj.weight"]);
    expect(run(attn, randn([3, 4], 1)).length).toBe(12);
    expect(noGrad(() => attn.forward(new Variable(randn([3, 4], 1)))).shape).toEqual([3, 4]);
  });

  it("bad configurations and inputs are errors naming the field", () => {
    const ps = ParamSource.init(1);
    expect(() => new CausalSelfAttention(ps.pp("a"), { dModel: 8, nHeads: 4, nKvHeads: 3 })).toThrow(/nKvHeads must be a positive divisor of nHeads=4, got 3/);
    expect(() => new CausalSelfAttention(ps.pp("b"), { dModel: 10, nHeads: 4 })).toThrow(ConfigError);
    expect(() => new CausalSelfAttention(ps.pp("c"), { dModel: 6, nHeads: 2, rope: { theta: 1e4 } })).toThrow(/even headDim/);
    const attn = new CausalSelfAttention(ps.pp("d"), { dModel: 4, nHeads: 2 });
    expect(() => run(attn, randn([2, 3, 4], 1), { lengths: [3] })).toThrow("CausalSelfAttention d: lengths has 1 entries for a batch of 2");
    expect(() => run(attn, randn([1, 3, 4], 1), { keyMask: [1, 2, 0] })).toThrow(/keyMask\[1\] = 2 must be 0/);
    expect(() => run(attn, randn([1, 3, 5], 1))).toThrow(/input must be \[batch, seq, 4\], got \[1, 3, 5\]/);
  });
});
