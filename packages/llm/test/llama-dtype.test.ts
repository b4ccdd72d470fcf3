/**
 * The inference Llama with compact weights (the `dtype` option): every dtype against the model's
 * own float32 logits on the story fixtures, and the same logits, bit for bit, at 1, 2 and 3 threads.
 *
 * Bounds (the story model is 128 wide: four 32-weight blocks a row, so one block's scale covers a quarter of a
 * row; wider models quantize better, see the accuracy table in the README):
 *   bf16, f16: the story weights are exactly representable (see llama-golden.test.ts), so only the
 *              order of the sums changes: max |Δlogit| ≤ 1e-5·max |logit|;
 *   q8_0:      ≤ 5 % of max |logit|, and the first greedy token of every prompt unchanged;
 *   q4_0:      ≤ 50 % (4-bit weights on a 656K-parameter model), and the logits finite;
 *   q4_k, q5_k, q6_k: refused (rows must be whole 256-weight super-blocks), naming the first tensor.
 */
import { getThreads, poolRounds, setThreads, WeightMatrix, type WeightDtype } from "@mini/tensor";
import { afterAll, describe, expect, it } from "vitest";
import { loadModelDir } from "../src/loaders/index.js";
import { argmax, STORY_DIR, storyFixtures } from "./llama-helpers.js";

const fixtures = storyFixtures();
const initialThreads = getThreads();
afterAll(() => setThreads(initialThreads));

const BOUND: Record<Exclude<WeightDtype, "f32" | "q4_k" | "q5_k" | "q6_k">, number> = { bf16: 1e-5, f16: 1e-5, q8_0: 0.05, q4_0: 0.5 };

describe("story model with compact weights", () => {
  it("every dtype stays within its bound of the float32 logits", async () => {
    const ref = await loadModelDir(STORY_DIR);
    const V = ref.config.vocabSize;
    for (const dtype of ["bf16", "f16", "q8_0", "q4_0"] as const) {
      const { model } = await loadModelDir(STORY_DIR, { dtype });
      expect(model.weights.layers[0]!.wq).toBeInstanceOf(WeightMatrix);
      // the tied embedding is the output matrix: q4_0 keeps it at q8_0 (128-wide rows, not whole 256-weight super-blocks)
      expect((model.weights.embed as WeightMatrix).dtype).toBe(dtype === "q4_0" ? "q8_0" : dtype);
      expect((model.weights.layers[0]!.wq as WeightMatrix).dtype).toBe(dtype);
      for (const { name, fx } of fixtures) {
        const want = ref.model.forward(fx.prompt_ids, ref.model.newCache());
        const got = model.forward(fx.prompt_ids, model.newCache());
        let maxLogit = 0, diff = 0;
        for (let i = 0; i < V; i++) {
          expect(Number.isFinite(got[i]!)).toBe(true);
          maxLogit = Math.max(maxLogit, Math.abs(want[i]!));
          diff = Math.max(diff, Math.abs(want[i]! - got[i]!));
        }
        expect(diff / maxLogit, `${dtype} ${name}`).toBeLessThanOrEqual(BOUND[dtype]);
        if (dtype !== "q4_0") expect(argmax(got), `${dtype} ${name}: first greedy token`).toBe(argmax(want));
      }
      model.dispose();
    }
    ref.model.dispose();
  });

  it("q4_k, q5_k and q6_k refuse its 128-wide rows before converting any matrix, naming the tensor", async () => {
    // under q4_k / q5_k the tied embedding is the output matrix, kept at q8_0 (dtype-recipe.ts): q_proj is the first refused
    for (const [dtype, tensor] of [["q4_k", "model.layers.0.self_attn.q_proj.weight"], ["q5_k", "model.layers.0.self_attn.q_proj.weight"], ["q6_k", "model.embed_tokens.weight"]] as const) {
      await expect(loadModelDir(STORY_DIR, { dtype })).rejects.toThrow(
        `${tensor}: ${dtype} needs rows of whole 256-weight super-blocks, got rows of 128 weights (q8_0 and q4_0 take any row length)`,
      );
    }
  });

  it("gives the same logits, bit for bit, at 1, 2 and 3 threads (every dtype, every fixture), with calls really split", async () => {
    for (const dtype of ["f32", "bf16", "f16", "q8_0", "q4_0"] as const) {
      const { model } = await loadModelDir(STORY_DIR, { dtype });
      // every fixture at one thread count (setThreads restarts the workers), its prompt's logits and the next token's
      const run = (threads: number): { logits: Float32Array[]; rounds: number } => {
        setThreads(threads);
        const rounds = poolRounds();
        const logits = fixtures.map(({ fx }) => {
          const cache = model.newCache();
          const all = model.forward(fx.prompt_ids, cache, { allLogits: true }).slice();
          const next = model.forward([argmax(all, all.length - model.config.vocabSize)], cache);
          return Float32Array.from([...all, ...next]);
        });
        return { logits, rounds: poolRounds() - rounds };
      };
      const one = run(1);
      expect(one.rounds).toBe(0);
      for (const t of [2, 3]) {
        const other = run(t);
        expect(other.rounds, `${dtype}: calls split at ${t} threads`).toBeGreaterThan(0);
        fixtures.forEach(({ name }, i) => {
          // the first differing bit pattern (a deep toEqual over every position's logits is slow)
          const a = new Uint32Array(one.logits[i]!.buffer), b = new Uint32Array(other.logits[i]!.buffer);
          expect(b.length).toBe(a.length);
          expect(b.findIndex((bits, j) => bits !== a[j]), `${dtype} ${name} at ${t} threads: first differing logit`).toBe(-1);
        });
      }
      model.dispose();
    }
  });
});
