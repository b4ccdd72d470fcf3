/**
 * GGUF files written by an outside converter — scripts/gguf-xcheck/convert.py, written from ggml's
 * gguf.md and llama.cpp's convert_hf_to_gguf.py / gguf-py, sharing no code with mini's GGUF writer —
 * from the torch-xcheck model directories, loaded by loadModel as a user's file would be, against the
 * logits PyTorch recorded for those directories (test/fixtures/gguf-xcheck, regenerated only by
 * scripts/gguf-xcheck/generate.py; see its README).
 *
 * Tolerance, as max |Δlogit| / max |logit| over prefill, decode and chunked prefill:
 *   - weights stored exactly (F32, or F16/BF16 of a directory already in that dtype): 1e-5, float32
 *     arithmetic (measured ≤ 6e-7);
 *   - weights rounded by the conversion: each weight moves by at most u of itself (F16 u = 2^-11,
 *     BF16 u = 2^-8) or of its 32-block's largest (Q8_0: half a step of max/127, u = 1/254); through two
 *     or three layers of sums that partly cancel the logits move by a small multiple of u·|logit|, so
 *     8u (measured ≤ 2.1u for F16/BF16, ≤ 5.2u for Q8_0). A misread tensor moves them by ~0.1–1.
 * Greedy tokens must agree too (every committed case's smallest top-2 margin is > 8u·max|logit|).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { readGguf } from "@mini/tensor";
import { describe, expect, it } from "vitest";
import { compareWithTorch } from "./torch-xcheck-compare.js";

const FIXTURES = join(import.meta.dirname, "../fixtures/gguf-xcheck");
const SOURCES = join(import.meta.dirname, "../fixtures/torch-xcheck");
const ROUNDING: Record<string, number> = { f16: 2 ** -11, bf16: 2 ** -8, q8_0: 1 / 254 };
const FILES = readdirSync(FIXTURES)
  .filter((f) => f.endsWith(".gguf"))
  .sort();

/** The directory's stored dtype as config.json names it (transformers 4 `torch_dtype`, 5 `dtype`). */
function storedType(dir: string): string {
  const c = JSON.parse(readFileSync(join(dir, "config.json"), "utf8")) as { torch_dtype?: string; dtype?: string };
  return { float32: "f32", float16: "f16", bfloat16: "bf16" }[c.dtype ?? c.torch_dtype ?? "float32"] ?? "?";
}

describe("GGUF files written as convert_hf_to_gguf.py writes them, against PyTorch", () => {
  it("has every family and every outtype", () => {
    for (const family of ["llama", "mistral", "mixtral", "qwen2", "qwen3"]) expect(FILES.some((f) => f.startsWith(`${family}-`))).toBe(true);
    for (const type of ["f32", "f16", "bf16", "q8_0"]) expect(FILES.some((f) => f.endsWith(`.${type}.gguf`))).toBe(true);
    // One file laid out with a non-default general.alignment (GGUFWriter then writes the key).
    expect(readGguf(join(FIXTURES, "mistral-sharded-tied.a256.q8_0.gguf")).alignment).toBe(256);
  });

  for (const file of FILES) {
    const parts = file.replace(/\.gguf$/, "").split("."); // <case>[.a<alignment>].<outtype>
    const [name, type] = [parts[0]!, parts.at(-1)!];
    const dir = join(SOURCES, name);
    const exact = type === "f32" || storedType(dir) === type;
    const tolerance = exact ? 1e-5 : 8 * ROUNDING[type]!;
    it(`${file}: logits within ${tolerance.toExponential(1)} and greedy tokens as PyTorch's`, async () => {
      const r = await compareWithTorch(dir, name, join(FIXTURES, file));
      expect(r.maxAbsLogit).toBeGreaterThan(1);
      expect(r.prefill).toBeLessThanOrEqual(tolerance);
      expect(r.decode).toBeLessThanOrEqual(tolerance);
      expect(r.chunked).toBeLessThanOrEqual(tolerance);
      expect(r.greedyTokens).toEqual(r.expectedTokens);
    });
  }
});
