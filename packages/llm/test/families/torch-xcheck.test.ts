/**
 * An outside cross-check of every family: tiny HF model directories written, and their logits
 * recorded, by scripts/torch-xcheck/generate.py — a PyTorch float64 forward written from transformers'
 * modeling code, not from mini's — loaded here by loadModel as a user would (test/fixtures/torch-xcheck,
 * regenerated only by that script; see its README). Per directory: prefill, token-by-token decode and
 * chunked prefill logits within 1e-4 of the largest |logit|, and the same greedy continuation; the
 * configs mini does not implement are refused naming the field.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadModel } from "../../src/load-model.js";
import { compareWithTorch, isXcheckDir, readExpected } from "./torch-xcheck-compare.js";

const FIXTURES = join(import.meta.dirname, "../fixtures/torch-xcheck");
const DIRS = readdirSync(FIXTURES)
  .filter((name) => isXcheckDir(join(FIXTURES, name)))
  .sort();
const TOLERANCE = 1e-4;

describe("families against the PyTorch reference (generate.py fixtures)", () => {
  it("has every family's fixtures", () => {
    for (const family of ["llama", "mistral", "qwen2", "qwen3", "mixtral"]) {
      expect(DIRS.filter((d) => d.startsWith(`${family}-`)).length).toBeGreaterThanOrEqual(2);
    }
  });

  for (const name of DIRS) {
    const dir = join(FIXTURES, name);
    const refused = readExpected(dir).refused;
    if (refused !== undefined) {
      it(`${name}: refused at load, naming ${refused}`, async () => {
        await expect(loadModel(dir)).rejects.toThrow(refused);
      });
      continue;
    }
    it(`${name}: logits and greedy tokens as PyTorch's`, async () => {
      const r = await compareWithTorch(dir, name);
      expect(r.maxAbsLogit).toBeGreaterThan(1); // logits spread out, so 1e-4 of them is a real bound
      expect(r.prefill).toBeLessThanOrEqual(TOLERANCE);
      expect(r.decode).toBeLessThanOrEqual(TOLERANCE);
      expect(r.chunked).toBeLessThanOrEqual(TOLERANCE);
      expect(r.greedyTokens).toEqual(r.expectedTokens);
    });
  }
});
