/**
 * The inference Llama reserves its heap at load (heap-budget.ts): its passes allocate nothing in the
 * WASM heap and never grow it, and a pass that would need more than is there throws HeapGrowthError
 * naming the pass and what asked, instead of growing the memory under the views it holds.
 */
import { getThreads, heap, HeapGrowthError, releaseScratch, scratchSize, setThreads, type Tensor, WasmHeap, WeightMatrix } from "@mini/tensor";
import { describe, expect, it } from "vitest";
import { loadModelDir } from "../src/loaders/index.js";
import { BatchedLlama } from "../src/models/llama/batched-llama.js";
import { matrixDtype } from "../src/models/llama/dtype-recipe.js";
import { llamaWeightBytes } from "../src/models/llama/heap-budget.js";
import type { LlamaModel } from "../src/models/llama/model.js";
import { fillHeap } from "./heap-helpers.js";
import { argmax, STORY_DIR, storyFixtures } from "./llama-helpers.js";

const prompt = storyFixtures()[0]!.fx.prompt_ids;

describe("the Llama's heap is reserved at load", () => {
  for (const dtype of ["f32", "q8_0"] as const) {
    it(`${dtype}: prefill (in chunks), decode, all-position logits and a batched pass allocate nothing in the heap`, async () => {
      const { model } = await loadModelDir(STORY_DIR, { dtype, prefillChunk: 16 });
      const cache = model.newCache();
      const batched = new BatchedLlama(model);
      const kv = batched.newPagedKV(8, 16);
      const short = model.newCache(64);
      const before = { generation: heap.generation, live: heap.liveBytes, scratch: scratchSize() };
      let next = argmax(model.forward(prompt, cache));
      for (let i = 0; i < 4; i++) next = argmax(model.forward([next], cache));
      model.forward(prompt.slice(0, 20), short, { allLogits: true });
      batched.forwardBatch([{ tokens: prompt.slice(0, 10), position: 0, blockTable: [0] }, { tokens: [5], position: 0, blockTable: [1] }], kv);
      expect({ generation: heap.generation, live: heap.liveBytes, scratch: scratchSize() }).toEqual(before);
      model.dispose();
    });
  }

  it("a forward that needs more than is reserved throws HeapGrowthError naming the pass and what asked", async () => {
    const { model } = await loadModelDir(STORY_DIR, { dtype: "q8_0" });
    const want = model.forward(prompt, model.newCache());
    const cache = model.newCache();
    releaseScratch(); // the pass must take its scratch again, and the memory is full
    const fillers = fillHeap();
    const generation = heap.generation, capacity = heap.capacity;
    let err: unknown;
    try {
      model.forward(prompt, cache);
    } catch (e) {
      err = e;
    } finally {
      for (const p of fillers) heap.release(p);
    }
    expect(err).toBeInstanceOf(HeapGrowthError);
    const e = err as HeapGrowthError;
    expect(e.pass).toBe("LlamaModel.forward");
    // the first product of the pass: the layer's q, k, v (rows 128 + 64 + 64) as one group, on prefill's packed gemm
    expect(e.what).toMatch(/^compact matmul group q8_0 \[\d+, 128, 128 \+ 64 \+ 64\] \(packed\) \(\d+ floats of scratch\)$/);
    expect(e.message).toMatch(/asked for \d+ bytes of WASM heap during .*growth is not allowed during a pass/);
    expect(heap.generation).toBe(generation); // nothing grew
    expect(heap.capacity).toBe(capacity);
    expect(capacity).toBeLessThanOrEqual(WasmHeap.MAX_BYTES);
    // With the memory free again the same model runs, and gives the same logits.
    expect(model.forward(prompt, model.newCache())).toEqual(want);
    model.dispose();
  });
});

describe("the reservation does not depend on the thread count at load", () => {
  it("a model loaded at 1 thread runs frozen at 4 threads on a full heap, with the same logits", async () => {
    const initial = getThreads();
    setThreads(1);
    const { model } = await loadModelDir(STORY_DIR, { prefillChunk: 64 });
    const long = [...prompt, ...prompt, ...prompt].slice(0, 60);
    const want = model.forward(long, model.newCache());
    const cache = model.newCache();
    setThreads(4);
    const fillers = fillHeap(); // any scratch beyond the reservation would now have to grow the memory
    try {
      expect(model.forward(long, cache)).toEqual(want);
      expect(model.forward([long[0]!], cache)).toBeDefined();
    } finally {
      for (const p of fillers) heap.release(p);
      setThreads(initial);
      model.dispose();
    }
  });
});

describe("a compact load converts while reading", () => {
  it("never allocates a float32 matrix in the heap, and holds the bytes of converting the float32 model", async () => {
    const ref = await loadModelDir(STORY_DIR, { prefillChunk: 16 });
    const c = ref.config;
    const f32EmbedBytes = 4 * c.vocabSize * c.hiddenSize;
    for (const dtype of ["bf16", "q8_0", "q4_0"] as const) {
      const allocs: { floats: number; what: string }[] = [];
      const alloc = heap.alloc;
      heap.alloc = (n, o) => {
        allocs.push({ floats: n, what: o?.what ?? "" });
        return alloc.call(heap, n, o);
      };
      let model: LlamaModel;
      try {
        ({ model } = await loadModelDir(STORY_DIR, { dtype, prefillChunk: 16 }));
      } finally {
        heap.alloc = alloc;
      }
      // (kernel scratch aside: bf16's prefill widens 1 MiB panels of W there)
      expect(Math.max(...allocs.filter((a) => !a.what.includes("scratch")).map((a) => 4 * a.floats)), dtype).toBeLessThan(f32EmbedBytes);
      const weightAllocs = allocs.filter((a) => a.what.startsWith("weight ")).reduce((n, a) => n + 4 * a.floats, 0);
      const vectors = llamaWeightBytes(c, "f32") - (c.numLayers * (2 * c.numHeads + 2 * c.numKvHeads) * c.headDim * c.hiddenSize + 3 * c.numLayers * c.intermediateSize * c.hiddenSize + c.vocabSize * c.hiddenSize) * 4;
      expect(weightAllocs, dtype).toBe(llamaWeightBytes(c, dtype) - vectors);
      const pairs: [unknown, unknown][] = [[model.weights.embed, ref.model.weights.embed]];
      model.weights.layers.forEach((l, i) => {
        const r = ref.model.weights.layers[i]!;
        pairs.push([l.wq, r.wq], [l.wk, r.wk], [l.wv, r.wv], [l.wo, r.wo], [l.wGate, r.wGate], [l.wUp, r.wUp], [l.wDown, r.wDown]);
      });
      for (const [got, f32] of pairs) {
        const t = f32 as Tensor;
        const m = got as WeightMatrix;
        expect(m.dtype, m.name).toBe(matrixDtype(dtype, m.name, t.shape[1]!, c.tieWordEmbeddings)); // the tied embedding: q8_0 under q4_0
        const want = WeightMatrix.fromF32(t.data, t.shape[0]!, t.shape[1]!, m.dtype, m.name);
        expect(Buffer.compare(m.bytes(), want.bytes()), `${dtype} ${m.name}`).toBe(0);
        want.dispose();
      }
      model.dispose();
    }
    ref.model.dispose();
  });
});
