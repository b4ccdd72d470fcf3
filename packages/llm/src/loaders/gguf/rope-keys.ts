/**
 * RoPE scaling ↔ GGUF's `{arch}.rope.scaling.*` keys, as llama.cpp reads them (src/llama-model.cpp
 * load_hparams; names in llama-arch.cpp) and convert_hf_to_gguf.py writes them:
 *
 *   rope.scaling.type                     "none" | "linear" | "yarn" (absent: linear when a factor is given)
 *   rope.scaling.factor                   factor (older files: rope.scale_linear); llama.cpp's freq_scale = 1/factor
 *   rope.scaling.original_context_length  yarn's original_max_position_embeddings (default: context_length)
 *   rope.scaling.yarn_beta_fast/_slow     beta_fast / beta_slow, and a factor on ggml's own mscale
 *   rope.scaling.yarn_attn_factor         0.1·ln(factor) + 1: llama.cpp reads these only for a few other
 *                                         architectures (grok, laguna, …), not llama / qwen2 / qwen3, which run
 *                                         32 / 1 / 1 whatever the file says (measured): refused unless those
 *   rope.scaling.yarn_ext_factor          the ramp's weight: 1 (or absent / negative: "from the type") is YaRN
 *   rope.scaling.yarn_log_multiplier      DeepSeek's mscale_all_dim semantics: refused unless 0
 *
 * Reading turns them into the config.json `rope_scaling` object parseLlamaConfig reads, so one
 * function validates both; writing turns a config's linear / yarn scaling back into them.
 * (Llama 3.x's llama3 scaling travels as the rope_freqs.weight tensor instead: hyperparams.ts.)
 */
import { gguf, yarnMscale, type GgufFile, type GgufValue } from "@mini/tensor";
import { ModelLoadError } from "../errors.js";
import type { LlamaConfig } from "../../models/llama/config.js";

/** The config.json `rope_scaling` of a GGUF file's keys (undefined: plain RoPE). */
export function ropeScalingFromGguf(f: GgufFile, a: string): Record<string, unknown> | undefined {
  const key = (k: string) => `${a}.rope.${k}`;
  const fail = (k: string, reason: string): never => {
    throw new ModelLoadError(f.file, `key "${key(k)}"`, reason);
  };
  const num = (k: string): number | undefined => {
    const v = f.value(key(k));
    if (v === undefined) return undefined;
    if (typeof v !== "number" || !Number.isFinite(v)) fail(k, `expected a number, got ${Array.isArray(v) ? "an array" : String(v)}`);
    return v as number;
  };
  const type = f.value(key("scaling.type"));
  if (type !== undefined && type !== "none" && type !== "linear" && type !== "yarn") {
    fail("scaling.type", `rope scaling ${JSON.stringify(type)} is not supported (expected none, linear or yarn)`);
  }
  const factor = num("scaling.factor") ?? num("scale_linear");
  // llama.cpp: no type means linear, and a factor of 0 or 1 means no scaling.
  if (type === "none" || factor === undefined || factor === 0 || (factor === 1 && type !== "yarn")) {
    if (type === "yarn") fail("scaling.factor", "yarn scaling needs a factor");
    return undefined;
  }
  if (!(factor > 0)) fail("scaling.factor", `expected a positive number, got ${factor}`);
  if (type !== "yarn") return { rope_type: "linear", factor };
  const logMul = num("scaling.yarn_log_multiplier");
  if (logMul !== undefined && logMul !== 0) fail("scaling.yarn_log_multiplier", `DeepSeek-style YaRN (mscale_all_dim) is not supported, got ${logMul} (expected 0)`);
  const ext = num("scaling.yarn_ext_factor");
  if (ext !== undefined && ext >= 0 && ext !== 1) fail("scaling.yarn_ext_factor", `only the full YaRN ramp is supported, got ${ext} (expected 1)`);
  const attn = num("scaling.attn_factor");
  if (attn !== undefined && attn !== 1) fail("scaling.attn_factor", `an attention factor outside YaRN's is not supported, got ${attn} (expected 1)`);
  // llama.cpp does not read these three for the llama / qwen2 / qwen3 architectures (it runs the
  // defaults whatever they say), so a file that sets them means two things: refused, not guessed.
  for (const [k, dflt] of [["scaling.yarn_attn_factor", 1], ["scaling.yarn_beta_fast", 32], ["scaling.yarn_beta_slow", 1]] as const) {
    const v = num(k);
    if (v !== undefined && v !== dflt) fail(k, `llama.cpp ignores this key for ${a} (it runs ${dflt}); a file that sets it to ${v} is not supported (expected ${dflt})`);
  }
  const original = num("scaling.original_context_length");
  return {
    rope_type: "yarn",
    factor,
    ...(original === undefined || original === 0 ? {} : { original_max_position_embeddings: original }),
  };
}

/** The `{arch}.rope.scaling.*` keys of a config's linear or yarn scaling (none for plain RoPE or llama3). */
export function ggufRopeScalingKeys(c: LlamaConfig, a: string): [string, GgufValue][] {
  const s = c.ropeScaling;
  if (s === null || (s.type !== "linear" && s.type !== "yarn")) return [];
  const keys: [string, GgufValue][] = [
    [`${a}.rope.scaling.type`, gguf.string(s.type)],
    [`${a}.rope.scaling.factor`, gguf.f32(s.factor)],
  ];
  if (s.type === "linear") return keys;
  if (!s.truncate) throw new RangeError("writeModelGguf: yarn scaling with truncate false is not written to GGUF (llama.cpp always rounds the correction range)");
  keys.push([`${a}.rope.scaling.original_context_length`, gguf.u32(s.originalMaxPositionEmbeddings)]);
  // llama.cpp runs beta 32 / 1 and cos/sin × (0.1·ln(factor) + 1) for these architectures (see above).
  const refuse = (what: string): never => {
    throw new RangeError(`writeModelGguf: yarn scaling with ${what} is not written to GGUF (llama.cpp's ${a} runs beta_fast 32, beta_slow 1 and attention factor 0.1·ln(factor) + 1)`);
  };
  if (s.betaFast !== 32 || s.betaSlow !== 1) refuse(`beta_fast ${s.betaFast}, beta_slow ${s.betaSlow}`);
  if (Math.abs(s.attentionFactor / yarnMscale(s.factor) - 1) > 1e-7) refuse(`attention factor ${s.attentionFactor} (not 0.1·ln(factor) + 1)`);
  return keys;
}
