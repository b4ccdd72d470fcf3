import { Tensor } from "@mini/tensor";
import { describe, expect, it } from "vitest";
import { Embedding, ParamSource, PositionalEmbedding } from "../src/index.js";
import { expectGradOk, layerGradCheck, randn, v } from "./helpers.js";

const table = Tensor.from(new Float32Array([1, 2, 3, 4, 5, 6]), [3, 2]);

describe("Embedding", () => {
  it("picks rows by id, shaped like the ids (hand example)", () => {
    const emb = new Embedding(ParamSource.fromTensors({ weight: table }), 3, 2);
    const y = emb.forward([2, 0, 2, 1], [2, 2]);
    expect(y.shape).toEqual([2, 2, 2]);
    expect(Array.from(y.data)).toEqual([5, 6, 1, 2, 5, 6, 3, 4]);
  });

  it("repeated ids accumulate their gradient (gradCheck of the table)", () => {
    const emb = new Embedding(ParamSource.init(1), 5, 3);
    expectGradOk(layerGradCheck(emb, [], () => emb.forward([1, 3, 1, 4], [2, 2])));
  });

  it("an id out of range names the layer and the index", () => {
    const emb = new Embedding(ParamSource.init(1).pp("embed_tokens"), 5, 3);
    expect(() => emb.forward([1, 5])).toThrow("Embedding embed_tokens: ids[1] = 5 is not a token id in [0, 5)");
  });
});

describe("PositionalEmbedding", () => {
  it("adds row startPos + t to position t (hand example)", () => {
    const pos = new PositionalEmbedding(ParamSource.fromTensors({ weight: table }), 3, 2);
    const y = pos.forward(v([0, 0, 10, 10, 100, 100, 1000, 1000], [2, 2, 2]), 1);
    expect(Array.from(y.data)).toEqual([3, 4, 15, 16, 103, 104, 1005, 1006]);
  });

  it("gradCheck over input and table; too long a sequence is an error naming maxLen", () => {
    const pos = new PositionalEmbedding(ParamSource.init(1).pp("wpe"), 4, 3);
    expectGradOk(layerGradCheck(pos, [randn([2, 3, 3], 2)], (x) => pos.forward(x!)));
    expect(() => pos.forward(v(new Array(15).fill(0), [5, 3]))).toThrow("PositionalEmbedding wpe: positions 0..4 needed, the table holds 4 (maxLen)");
  });
});
