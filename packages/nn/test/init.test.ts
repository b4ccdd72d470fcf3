import { createRng } from "@mini/tensor";
import { describe, expect, it } from "vitest";
import { ConfigError, init } from "../src/index.js";

function draw(i: init.Init, shape: number[], seed = 1): Float32Array {
  const out = new Float32Array(shape.reduce((a, b) => a * b, 1));
  i.fill(out, shape, createRng(seed));
  return out;
}

function stats(a: Float32Array): { mean: number; std: number; min: number; max: number } {
  let s = 0;
  let ss = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const v of a) {
    s += v;
    ss += v * v;
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  const mean = s / a.length;
  return { mean, std: Math.sqrt(ss / a.length - mean * mean), min, max };
}

describe("init", () => {
  it("fans follow PyTorch: [out, in, ...receptive]", () => {
    expect(init.fans([64, 32])).toEqual({ fanIn: 32, fanOut: 64 });
    expect(init.fans([8, 4, 3, 3])).toEqual({ fanIn: 36, fanOut: 72 });
    expect(() => init.fans([5], "init.xavierUniform")).toThrow(/init.xavierUniform: fan in\/out need a parameter with at least 2 dims/);
  });

  it("same seed gives the same values bit for bit; another seed differs", () => {
    const a = draw(init.normal(0.02), [50, 20], 7);
    const b = draw(init.normal(0.02), [50, 20], 7);
    const c = draw(init.normal(0.02), [50, 20], 8);
    expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(true);
    expect(Buffer.from(a.buffer).equals(Buffer.from(c.buffer))).toBe(false);
  });

  it("xavierUniform lies in ±gain·√(6/(in+out)) and fills it", () => {
    const bound = 2 * Math.sqrt(6 / (300 + 100));
    const s = stats(draw(init.xavierUniform(2), [100, 300]));
    expect(s.max).toBeLessThanOrEqual(bound);
    expect(s.min).toBeGreaterThanOrEqual(-bound);
    expect(s.max).toBeGreaterThan(0.95 * bound);
    expect(s.std).toBeCloseTo(bound / Math.sqrt(3), 2);
  });

  it("normal / xavierNormal / kaimingNormal have the documented std", () => {
    expect(stats(draw(init.normal(0.5, 1), [200, 100])).std).toBeCloseTo(0.5, 2);
    expect(stats(draw(init.normal(0.5, 1), [200, 100])).mean).toBeCloseTo(1, 1);
    expect(stats(draw(init.xavierNormal(), [200, 100])).std).toBeCloseTo(Math.sqrt(2 / 300), 2);
    const relu = stats(draw(init.kaimingNormal({ nonlinearity: "relu" }), [200, 100]));
    expect(relu.std).toBeCloseTo(Math.SQRT2 / 10, 2);
    const fanOut = stats(draw(init.kaimingNormal({ nonlinearity: "relu", mode: "fanOut" }), [400, 100]));
    expect(fanOut.std).toBeCloseTo(Math.SQRT2 / 20, 2);
  });

  it("kaimingUniform with a = √5 is PyTorch's Linear default U(±1/√fan_in)", () => {
    const s = stats(draw(init.kaimingUniform({ a: Math.sqrt(5) }), [100, 64]));
    expect(s.max).toBeLessThanOrEqual(1 / 8);
    expect(s.max).toBeGreaterThan(0.95 / 8);
    expect(s.min).toBeGreaterThanOrEqual(-1 / 8);
  });

  it("zeros, ones, constant, gain", () => {
    expect(Array.from(draw(init.zeros(), [3]))).toEqual([0, 0, 0]);
    expect(Array.from(draw(init.ones(), [2]))).toEqual([1, 1]);
    expect(Array.from(draw(init.constant(0.5), [2]))).toEqual([0.5, 0.5]);
    expect(init.gain("tanh")).toBeCloseTo(5 / 3, 12);
    expect(init.gain("leaky_relu", 0)).toBeCloseTo(Math.SQRT2, 12);
    expect(() => init.normal(-1)).toThrow(ConfigError);
  });
});
