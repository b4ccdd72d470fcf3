import { createRng } from "@mini/tensor";
import { describe, expect, it } from "vitest";
import { ConfigError, Dropout } from "../src/index.js";
import { v } from "./helpers.js";

describe("Dropout", () => {
  it("training: each element is 0 or x/(1 − p); same seed, same mask", () => {
    const x = v(new Array(1000).fill(1), [1000]);
    const a = new Dropout(0.25, createRng(7)).forward(x).data;
    const b = new Dropout(0.25, createRng(7)).forward(x).data;
    expect(Array.from(a)).toEqual(Array.from(b));
    const kept = Array.from(a).filter((y) => y !== 0);
    for (const y of kept) expect(y).toBeCloseTo(1 / 0.75, 6);
    expect(kept.length).toBeGreaterThan(700);
    expect(kept.length).toBeLessThan(800);
  });

  it("eval mode is the identity", () => {
    const x = v([1, 2, 3], [3]);
    const d = new Dropout(0.9, createRng(1)).eval();
    expect(Array.from(d.forward(x).data)).toEqual([1, 2, 3]);
  });

  it("p outside [0, 1] is an error naming p", () => {
    expect(() => new Dropout(1.5, createRng(1))).toThrow(ConfigError);
    expect(() => new Dropout(-0.1, createRng(1))).toThrow(/p must be in \[0, 1\], got -0.1/);
  });
});
