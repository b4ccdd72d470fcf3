import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createRng } from "../src/index.js";

const draw = (seed: number, n: number) => {
  const r = createRng(seed);
  return Array.from({ length: n }, () => r.nextU32());
};

describe("createRng", () => {
  it("the same seed gives the same stream; different seeds differ", () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer(), (a, b) => {
        expect(draw(a, 16)).toEqual(draw(a, 16));
        if (a !== b) expect(draw(a, 16)).not.toEqual(draw(b, 16));
      }),
    );
    expect(draw(1, 8)).not.toEqual(draw(2 ** 32 + 1, 8)); // high bits of the seed count
  });

  it("uniform is in [0, 1), int(n) in [0, n) and roughly uniform", () => {
    const r = createRng(7);
    const counts = new Array(10).fill(0);
    for (let i = 0; i < 20000; i++) {
      const u = r.uniform();
      if (!(u >= 0 && u < 1)) expect.fail(`uniform() gave ${u}`);
      counts[r.int(10)]++;
    }
    for (const c of counts) expect(Math.abs(c - 2000)).toBeLessThan(200);
    expect(() => r.int(0)).toThrow(/positive integer/);
  });

  it("normal() has mean ≈ 0 and variance ≈ 1", () => {
    const r = createRng(42);
    const n = 40000;
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const v = r.normal();
      s += v;
      s2 += v * v;
    }
    const mean = s / n;
    expect(Math.abs(mean)).toBeLessThan(0.03); // 6σ of the sample mean is 0.03
    expect(Math.abs(s2 / n - mean * mean - 1)).toBeLessThan(0.05);
  });

  it("fork gives a deterministic, different stream", () => {
    const a = createRng(3).fork();
    const b = createRng(3).fork();
    const parent = createRng(3);
    parent.nextU32();
    const xs = Array.from({ length: 8 }, () => a.nextU32());
    expect(xs).toEqual(Array.from({ length: 8 }, () => b.nextU32()));
    expect(xs).not.toEqual(Array.from({ length: 8 }, () => parent.nextU32()));
  });

  it("rejects a non-finite seed", () => {
    expect(() => createRng(NaN)).toThrow(/seed/);
  });
});
