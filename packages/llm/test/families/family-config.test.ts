/**
 * config.json of each family: the switches it turns on, transformers' defaults for absent fields,
 * the tensors it calls for, and the refusals (each naming the field and file).
 */
import { describe, expect, it } from "vitest";
import { parseLlamaConfig } from "../../src/models/llama/config.js";
import { layerWindow } from "../../src/models/llama/family-features.js";
import { expectedTensors } from "../../src/models/llama/weights.js";
import { LLAMA3_CONFIG, MIXTRAL_CONFIG, QWEN2_CONFIG, QWEN3_CONFIG } from "./family-configs.js";

describe("family configs", () => {
  it("llama 3.x: llama3 rope scaling, tied, no biases", () => {
    const c = parseLlamaConfig(LLAMA3_CONFIG);
    expect(c.ropeScaling).toEqual({ type: "llama3", factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositionEmbeddings: 64 });
    expect([c.qkvBias, c.oBias, c.qkNorm, c.moe, c.slidingWindow]).toEqual([false, false, false, null, null]);
    // attention_bias puts a bias on all four projections (HF LlamaAttention).
    const b = parseLlamaConfig({ ...LLAMA3_CONFIG, attention_bias: true });
    expect([b.qkvBias, b.oBias]).toEqual([true, true]);
    expect(expectedTensors(b).get("model.layers.1.self_attn.o_proj.bias")).toEqual([64]);
    // newer transformers: rope_parameters carries rope_theta and the scaling.
    const { rope_scaling, rope_theta, ...rest } = LLAMA3_CONFIG;
    const p = parseLlamaConfig({ ...rest, rope_parameters: { ...rope_scaling, rope_theta } });
    expect([p.ropeTheta, p.ropeScaling]).toEqual([rope_theta, c.ropeScaling]);
  });

  it("qwen2: q/k/v biases (no o bias), sliding window only from max_window_layers on, and only with use_sliding_window", () => {
    const c = parseLlamaConfig(QWEN2_CONFIG);
    expect([c.qkvBias, c.oBias, c.qkNorm]).toEqual([true, false, false]);
    expect([layerWindow(c, 0), layerWindow(c, 1)]).toEqual([null, 6]);
    const names = [...expectedTensors(c).keys()];
    expect(names).toContain("model.layers.0.self_attn.k_proj.bias");
    expect(names).not.toContain("model.layers.0.self_attn.o_proj.bias");
    expect(names).not.toContain("lm_head.weight");
    const off = parseLlamaConfig({ ...QWEN2_CONFIG, use_sliding_window: false });
    expect([layerWindow(off, 0), layerWindow(off, 1)]).toEqual([null, null]);
    const typed = parseLlamaConfig({ ...QWEN2_CONFIG, layer_types: ["sliding_attention", "full_attention"] });
    expect([layerWindow(typed, 0), layerWindow(typed, 1)]).toEqual([6, null]);
    // transformers' defaults: sliding_window 4096 from layer 28 on.
    const { sliding_window, max_window_layers, ...bare } = QWEN2_CONFIG;
    const d = parseLlamaConfig({ ...bare, num_hidden_layers: 30 });
    expect([layerWindow(d, 27), layerWindow(d, 28)]).toEqual([null, 4096]);
  });

  it("qwen3: per-head q/k norms, independent head_dim (default 128), optional attention bias", () => {
    const c = parseLlamaConfig(QWEN3_CONFIG);
    expect([c.qkvBias, c.oBias, c.qkNorm, c.headDim, c.slidingWindow]).toEqual([false, false, true, 16, null]);
    expect(expectedTensors(c).get("model.layers.1.self_attn.k_norm.weight")).toEqual([16]);
    expect(expectedTensors(c).get("model.layers.1.self_attn.q_proj.weight")).toEqual([64, 48]);
    const { head_dim, ...noHeadDim } = QWEN3_CONFIG;
    expect(parseLlamaConfig(noHeadDim).headDim).toBe(128);
    const b = parseLlamaConfig({ ...QWEN3_CONFIG, attention_bias: true });
    expect([b.qkvBias, b.oBias]).toEqual([true, true]);
  });

  it("mixtral: experts and router by their HF names, transformers' defaults 8 experts top 2", () => {
    const c = parseLlamaConfig(MIXTRAL_CONFIG);
    expect(c.moe).toEqual({ numExperts: 4, topK: 2 });
    const t = expectedTensors(c);
    expect(t.get("model.layers.0.block_sparse_moe.gate.weight")).toEqual([4, 64]);
    expect(t.get("model.layers.1.block_sparse_moe.experts.3.w2.weight")).toEqual([64, 48]);
    expect(t.get("model.layers.1.block_sparse_moe.experts.3.w3.weight")).toEqual([48, 64]);
    expect([...t.keys()].some((n) => n.includes("mlp."))).toBe(false);
    const { num_local_experts, num_experts_per_tok, ...bare } = MIXTRAL_CONFIG;
    expect(parseLlamaConfig(bare).moe).toEqual({ numExperts: 8, topK: 2 });
  });

  it("an absent field takes its family's transformers default, as the config classes set them", () => {
    // MixtralConfig: rope_theta 1e6, rms_norm_eps 1e-5, 8 kv heads (not Llama's 10000, 1e-6, num_attention_heads).
    const { rope_theta, rms_norm_eps, num_key_value_heads, ...bareMixtral } = MIXTRAL_CONFIG;
    const m = parseLlamaConfig({ ...bareMixtral, num_attention_heads: 16 });
    expect([m.ropeTheta, m.rmsNormEps, m.numKvHeads, m.slidingWindow]).toEqual([1e6, 1e-5, 8, null]);
    // MistralConfig: 8 kv heads and a 4096-position window when sliding_window is absent; an explicit null has none.
    const mistral = { ...bareMixtral, architectures: ["MistralForCausalLM"], model_type: "mistral", num_attention_heads: 16 };
    const { num_local_experts, num_experts_per_tok, sliding_window, ...bareMistral } = mistral;
    const s = parseLlamaConfig(bareMistral);
    expect([s.ropeTheta, s.rmsNormEps, s.numKvHeads, s.slidingWindow, layerWindow(s, 1)]).toEqual([10000, 1e-6, 8, 4096, 4096]);
    expect(parseLlamaConfig({ ...bareMistral, sliding_window: null }).slidingWindow).toBeNull();
    // Qwen2Config: 32 kv heads; use_sliding_window with sliding_window null slides nowhere.
    const { num_key_value_heads: kv, ...bareQwen } = QWEN2_CONFIG;
    expect(parseLlamaConfig({ ...bareQwen, num_attention_heads: 64, hidden_size: 128 }).numKvHeads).toBe(32);
    expect(() => parseLlamaConfig(bareQwen, "/m/config.json")).toThrow(
      `/m/config.json: field "num_key_value_heads": must divide num_attention_heads (4), got 32 (qwen2's default: the field is absent)`,
    );
    const unset = parseLlamaConfig({ ...QWEN2_CONFIG, sliding_window: null });
    expect([layerWindow(unset, 0), layerWindow(unset, 1)]).toEqual([null, null]);
  });

  it.each([
    [{ ...MIXTRAL_CONFIG, num_experts_per_tok: 5 }, 'field "num_experts_per_tok": must be at most num_local_experts (4), got 5'],
    [{ ...MIXTRAL_CONFIG, num_local_experts: 0 }, 'field "num_local_experts": expected an integer ≥ 1, got 0'],
    [{ ...MIXTRAL_CONFIG, attention_bias: true }, 'field "attention_bias": mixtral has no attention biases'],
    [{ ...QWEN2_CONFIG, model_type: "qwen3" }, 'field "architectures": "Qwen2ForCausalLM" is a qwen2 model but model_type is "qwen3"'],
    [{ ...QWEN2_CONFIG, use_mrope: true }, 'field "use_mrope": multimodal RoPE (Qwen2-VL) is not supported'],
    [{ ...QWEN2_CONFIG, layer_types: ["full_attention"] }, 'field "layer_types": expected an array of 2 entries'],
    [{ ...QWEN2_CONFIG, layer_types: ["full_attention", "chunked"] }, 'field "layer_types": entry 1 must be "full_attention" or "sliding_attention"'],
    [{ ...QWEN2_CONFIG, use_sliding_window: "yes" }, 'field "use_sliding_window": expected a boolean, got "yes"'],
    [{ ...QWEN2_CONFIG, rope_scaling: { type: "longrope", short_factor: [1], long_factor: [2] } }, 'field "rope_scaling": rope_type "longrope" is not supported'],
    [{ ...QWEN3_CONFIG, partial_rotary_factor: 0.5 }, 'field "partial_rotary_factor": only full rotary embeddings are supported'],
    [{ ...LLAMA3_CONFIG, mlp_bias: true }, 'field "mlp_bias": MLP biases are not supported'],
  ])("refuses %#, naming the field and file", (config, message) => {
    expect(() => parseLlamaConfig(config, "/m/config.json")).toThrow(`/m/config.json: ${message}`);
  });
});
