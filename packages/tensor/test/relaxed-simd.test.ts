import { describe, expect, it } from "vitest";
import { relaxedSimd, relaxedSimdSupported } from "../src/index.js";

// Which compact.wat variant the start-up probe picks, by runtime: Node ≥ 22 runs relaxed SIMD
// (.ci/run runs this package's tests under Node 22 as well, so both variants carry the whole
// suite); Node 20 cannot compile it without --experimental-wasm-relaxed-simd, which a test file may
// have set in this worker process (compact.test.ts does), so there only the consistency is checked.
const major = Number(process.versions.node.split(".")[0]);

describe("relaxed-SIMD selection at start-up", () => {
  it(`Node ${process.versions.node}: the probe ${major >= 22 ? "picks the relaxed variant" : "decides, and the kernels follow it"}`, () => {
    if (major >= 22) expect(relaxedSimdSupported).toBe(true);
    const disabled = process.env["MINI_NO_RELAXED_SIMD"] === "1" || process.env["MINI_NO_WASM"] === "1";
    expect(relaxedSimd).toBe(relaxedSimdSupported && !disabled);
  });
});
