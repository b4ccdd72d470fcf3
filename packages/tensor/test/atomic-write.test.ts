import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  bf16ToF32, f16ToF32, f32ToBf16, f32ToF16, GgufError, isProcessAlive, readSafetensors, SafetensorsError, serializeSafetensors, Tensor, writeFileAtomic, writeGguf,
  writeSafetensors, type WritableDtype,
} from "../src/index.js";

const root = mkdtempSync(join(tmpdir(), "mini-atomic-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshDir = (): string => {
  const d = join(root, `d${n++}`);
  mkdirSync(d);
  return d;
};

// Values that need rounding in both half formats, plus ones exact in all three.
const values = [1, -2, 0.1, 3.3, 1e-3, 65504, -7.5e-5, 0, 123.456, -0.333];
const rounded: Record<WritableDtype, (x: number) => number> = {
  F32: (x) => Math.fround(x),
  F16: (x) => f16ToF32(f32ToF16(x)),
  BF16: (x) => bf16ToF32(f32ToBf16(x)),
};

describe("writeSafetensors dtype option", () => {
  for (const dtype of ["F32", "F16", "BF16"] as const) {
    it(`${dtype}: round trip through the reader equals the values rounded to ${dtype}`, () => {
      const dir = freshDir();
      const path = join(dir, "m.safetensors");
      const w = Tensor.from(values, [2, 5]);
      writeSafetensors(path, { w, b: Tensor.from([0.1, 0.2], [2]) }, { note: "x" }, { dtype });
      const f = readSafetensors(path);
      expect(f.info("w")).toEqual({ dtype, shape: [2, 5] });
      expect(f.get("w").toArray()).toEqual(values.map(rounded[dtype]));
      expect(f.get("b").toArray()).toEqual([0.1, 0.2].map(rounded[dtype]));
      expect(f.metadata).toEqual({ note: "x" });
      expect(readdirSync(dir)).toEqual(["m.safetensors"]);
      // The file and the in-memory serializer give the same bytes.
      expect(Array.from(readFileSync(path))).toEqual(Array.from(serializeSafetensors({ w, b: Tensor.from([0.1, 0.2], [2]) }, { note: "x" }, { dtype })));
    });
  }

  it("lazy entries are produced one at a time, in sorted name order", () => {
    const dir = freshDir();
    const order: string[] = [];
    const entry = (name: string, v: number[]) => ({ name, shape: [v.length], values: () => {
      order.push(name);
      return new Float32Array(v);
    } });
    writeSafetensors(join(dir, "m.safetensors"), [entry("z", [1, 2]), entry("a", [3])], undefined, { dtype: "BF16" });
    expect(order).toEqual(["a", "z"]);
    expect(readSafetensors(join(dir, "m.safetensors")).get("z").toArray()).toEqual([1, 2]);
  });

  it("a wrong value count is a SafetensorsError naming the file and tensor, and the old file stays", () => {
    const dir = freshDir();
    const path = join(dir, "m.safetensors");
    writeSafetensors(path, { w: Tensor.from([1, 2]) });
    const before = readFileSync(path);
    const bad = () => writeSafetensors(path, [{ name: "w", shape: [3], values: () => new Float32Array(2) }]);
    expect(bad).toThrow(SafetensorsError);
    expect(bad).toThrow(`${path}: tensor "w": has 2 values, shape [3] needs 3`);
    expect(readFileSync(path).equals(before)).toBe(true);
    expect(readdirSync(dir)).toEqual(["m.safetensors"]);
  });

  it("an unknown dtype or a duplicate name is refused before anything is written", () => {
    const dir = freshDir();
    const path = join(dir, "m.safetensors");
    expect(() => writeSafetensors(path, { w: Tensor.from([1]) }, undefined, { dtype: "F64" as WritableDtype })).toThrow("dtype must be F32, F16 or BF16, got F64");
    const e = { name: "w", shape: [1], values: () => new Float32Array(1) };
    expect(() => writeSafetensors(path, [e, e])).toThrow(`${path}: tensor "w": given twice`);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("a directory where the file should be: SafetensorsError, no temp file left", () => {
    const dir = freshDir();
    const path = join(dir, "m.safetensors");
    mkdirSync(path);
    writeFileSync(join(path, "keep"), "x");
    expect(() => writeSafetensors(path, { w: Tensor.from([1]) })).toThrow(SafetensorsError);
    expect(readdirSync(dir)).toEqual(["m.safetensors"]);
    expect(readdirSync(path)).toEqual(["keep"]);
  });
});

describe("writeFileAtomic", () => {
  it("writes bytes, text and streamed chunks, leaving only the target", () => {
    const dir = freshDir();
    writeFileAtomic(join(dir, "a.bin"), new Uint8Array([1, 2, 3]));
    writeFileAtomic(join(dir, "b.txt"), "héllo\n");
    writeFileAtomic(join(dir, "c.bin"), (write) => {
      write(new Uint8Array([9]));
      write(new Uint8Array([8, 7]));
    });
    expect(readdirSync(dir).sort()).toEqual(["a.bin", "b.txt", "c.bin"]);
    expect(Array.from(readFileSync(join(dir, "a.bin")))).toEqual([1, 2, 3]);
    expect(readFileSync(join(dir, "b.txt"), "utf8")).toBe("héllo\n");
    expect(Array.from(readFileSync(join(dir, "c.bin")))).toEqual([9, 8, 7]);
  });

  it("a failing writer rethrows its error, removes the temp file and leaves the existing file untouched", () => {
    const dir = freshDir();
    const path = join(dir, "f.txt");
    writeFileAtomic(path, "old");
    const boom = new Error("producer failed");
    expect(() =>
      writeFileAtomic(path, (write) => {
        write(new TextEncoder().encode("half of the new"));
        throw boom;
      }),
    ).toThrow(boom);
    expect(readFileSync(path, "utf8")).toBe("old");
    expect(readdirSync(dir)).toEqual(["f.txt"]);
  });

  it("removes the temp files of earlier writes of the same path whose process is gone (killed mid-write), and no others", () => {
    const dir = freshDir();
    const path = join(dir, "m.gguf");
    const gone = spawnSync(process.execPath, ["-e", ""]).pid!; // exited: its pid names no process now
    expect(isProcessAlive(gone)).toBe(false);
    expect(isProcessAlive(process.ppid)).toBe(true);
    const left = [
      [`m.gguf.tmp-${gone}-k2x9q0ab`, false], // a dead writer of this path: removed
      [`m.gguf.tmp-${process.ppid}-a1b2c3d4`, true], // a live writer (another process): kept
      [`m.gguf.tmp-${process.pid}-z9y8x7w6`, true], // this process's: kept
      [`other.gguf.tmp-${gone}-k2x9q0ab`, true], // another path's: kept
      [`m.gguf.tmp-notes.txt`, true], // not a temp file's name: kept
    ] as const;
    for (const [name] of left) writeFileSync(join(dir, name), "half");
    writeFileAtomic(path, "new");
    const expected = ["m.gguf", ...left.filter(([, kept]) => kept).map(([name]) => name)];
    expect(readdirSync(dir).sort()).toEqual(expected.sort());
    expect(readFileSync(path, "utf8")).toBe("new");
  });

  it("a missing parent directory fails with the file system's error and creates nothing", () => {
    const dir = freshDir();
    expect(() => writeFileAtomic(join(dir, "no", "f.txt"), "x")).toThrow(/ENOENT/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("writeGguf goes through it: a directory in the way is a GgufError, no temp file left", () => {
    const dir = freshDir();
    const path = join(dir, "m.gguf");
    mkdirSync(path);
    expect(() => writeGguf(path, new Map(), [])).toThrow(GgufError);
    expect(readdirSync(dir)).toEqual(["m.gguf"]);
  });
});
