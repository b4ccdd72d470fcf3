/** TensorSource: the record source copies (callers' tensors are never aliased), and a safetensors file is one. */
import { describe, expect, it } from "vitest";
import { isTensorSource, parseSafetensors, serializeSafetensors, Tensor, tensorRecordSource } from "../src/index.js";

describe("TensorSource", () => {
  it("tensorRecordSource: names, info, a fresh copy on every get (pinned on request), a clear error for a missing name", () => {
    const w = Tensor.from(new Float32Array([1, 2, 3, 4]), [2, 2]);
    const src = tensorRecordSource({ w }, "mem");
    expect(src.names()).toEqual(["w"]);
    expect(src.has("w")).toBe(true);
    expect(src.info("w").shape).toEqual([2, 2]);
    const a = src.get("w");
    expect(a).not.toBe(w);
    expect(a.toArray()).toEqual([1, 2, 3, 4]);
    a.data[0] = 9;
    expect(w.data[0]).toBe(1);
    const p = src.get("w", { pinned: true });
    expect(p.isPinned).toBe(true);
    p.dispose(); // a consumer freeing its copy leaves the caller's tensor intact
    expect(w.toArray()).toEqual([1, 2, 3, 4]);
    expect(src.fileOf?.("w")).toBe("mem");
    expect(() => src.get("v")).toThrow('mem: no tensor "v"');
  });

  it("a SafetensorsFile is a TensorSource; a plain record is not", () => {
    const file = parseSafetensors(serializeSafetensors({ x: Tensor.zeros([3]) }), "x.safetensors");
    expect(isTensorSource(file)).toBe(true);
    expect(file.fileOf("x")).toBe("x.safetensors");
    expect(isTensorSource({ x: Tensor.zeros([3]) })).toBe(false);
  });
});
