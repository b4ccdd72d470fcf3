import { describe, expect, it } from "vitest";
import { Tensor, ShapeError, createRng } from "../src/index.js";

describe("Tensor", () => {
  it("constructs zeros, full, scalar and from (wrapping a Float32Array without copying)", () => {
    expect(Tensor.zeros([2, 3]).toArray()).toEqual([0, 0, 0, 0, 0, 0]);
    expect(Tensor.full([2], 1.5).toArray()).toEqual([1.5, 1.5]);
    const s = Tensor.scalar(4);
    expect(s.shape).toEqual([]);
    expect(s.size).toBe(1);
    expect(s.rank).toBe(0);
    const buf = new Float32Array([1, 2, 3, 4]);
    const t = Tensor.from(buf, [2, 2]);
    expect(t.data).toBe(buf);
    expect(Tensor.from([1, 2, 3]).shape).toEqual([3]);
  });

  it("reshape and row are views sharing storage; clone is a copy", () => {
    const t = Tensor.from(new Float32Array([0, 1, 2, 3, 4, 5]), [2, 3]);
    const r = t.reshape([3, -1]);
    expect(r.shape).toEqual([3, 2]);
    const row1 = t.row(1);
    expect(row1.toArray()).toEqual([3, 4, 5]);
    row1.data[0] = 30;
    expect(t.get(1, 0)).toBe(30);
    expect(r.get(1, 1)).toBe(30);
    const c = t.clone();
    c.data[0] = -1;
    expect(t.get(0, 0)).toBe(0);
  });

  it("shape errors name the op and shapes", () => {
    expect(() => Tensor.from([1, 2, 3], [2, 2])).toThrow(/Tensor.from: 3 values do not fill shape \[2, 2\]/);
    expect(() => Tensor.zeros([2, -1])).toThrow(ShapeError);
    expect(() => Tensor.zeros([1.5])).toThrow(ShapeError);
    expect(() => Tensor.zeros([2, 3]).reshape([4, 2])).toThrow(/reshape: cannot view \[2, 3\]/);
    expect(() => Tensor.zeros([2, 3]).row(2)).toThrow(/row: index 2 out of range/);
    expect(() => Tensor.zeros([2, 3]).get(0, 3)).toThrow(ShapeError);
    expect(() => Tensor.zeros([2, 3]).get(0)).toThrow(/2 indices|1 indices/);
  });

  it("randn / rand are reproducible from the seed", () => {
    const a = Tensor.randn([5, 7], createRng(9), 0.1);
    const b = Tensor.randn([5, 7], createRng(9), 0.1);
    expect(a.toArray()).toEqual(b.toArray());
    const u = Tensor.rand([100], createRng(1), -2, 3);
    expect(u.data.every((v) => v >= -2 && v < 3)).toBe(true);
  });

  it("pinned tensors live in the WASM heap; toPinned copies; dispose makes data unusable", () => {
    const t = Tensor.from([1, 2, 3]);
    expect(t.isPinned).toBe(false);
    const p = t.toPinned();
    expect(p.isPinned).toBe(true);
    expect(p.toPinned()).toBe(p);
    expect(p.toArray()).toEqual([1, 2, 3]);
    p.dispose();
    expect(() => p.data).toThrow(/after dispose/);
    p.dispose(); // idempotent
  });
});
