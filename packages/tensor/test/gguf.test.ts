import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import {
  GgufError, gguf, parseGguf, quantize, readGguf, serializeGguf, writeGguf, dequantize,
  type GgmlType, type GgufValue,
} from "../src/index.js";
import { seededFloats } from "./helpers.js";

const FILE = "bad.gguf";
const dir = mkdtempSync(join(tmpdir(), "mini-gguf-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const TYPES: GgmlType[] = ["F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_K", "Q6_K"];

/** A small file holding one tensor of each type plus metadata of every value type. */
function sample(): { bytes: Uint8Array; metadata: Map<string, GgufValue>; values: Map<string, Float32Array> } {
  const metadata = new Map<string, GgufValue>([
    ["general.architecture", gguf.string("llama")],
    ["general.name", gguf.string("tiny ✓ 模型")],
    ["llama.block_count", gguf.u32(2)],
    ["llama.rope.freq_base", gguf.f32(10000)],
    ["tokenizer.ggml.tokens", gguf.array("string", ["<s>", "a", "é", "", "\uFEFF"])],
    ["tokenizer.ggml.scores", gguf.array("f32", [0, -1.5, -2, 3])],
    ["some.i8", { type: "i8", value: -3 }],
    ["some.u16", { type: "u16", value: 65535 }],
    ["some.i16", { type: "i16", value: -32768 }],
    ["some.i32", gguf.i32(-7)],
    ["some.u64", gguf.u64(2 ** 40)],
    ["some.big", { type: "u64", value: 2n ** 63n }],
    ["some.i64", { type: "i64", value: -5 }],
    ["some.f64", { type: "f64", value: Math.PI }],
    ["some.bool", gguf.bool(true)],
    ["some.u8s", gguf.array("u8", [1, 2, 255])],
  ]);
  const values = new Map<string, Float32Array>();
  const tensors = TYPES.map((type, i) => {
    const shape = [3, 256];
    const x = seededFloats(3 * 256, 7 + i, 2);
    values.set(`t.${type}`, x);
    return { name: `t.${type}`, type, shape, data: quantize(type, x) };
  });
  return { bytes: serializeGguf(metadata, tensors), metadata, values };
}

function expectBad(bytes: Uint8Array, reason: RegExp, subject?: string): GgufError {
  let err: unknown;
  try {
    const f = parseGguf(bytes, FILE);
    for (const t of f.tensors) f.getF32(t.name);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(GgufError);
  const e = err as GgufError;
  expect(e.message.startsWith(FILE)).toBe(true);
  expect(e.message).toMatch(reason);
  if (subject !== undefined) expect(e.subject).toBe(subject);
  return e;
}

describe("GGUF round trip", () => {
  it("keeps every metadata type and every tensor type, shape and block byte", () => {
    const { bytes, metadata, values } = sample();
    const f = parseGguf(bytes, "sample.gguf");
    expect(f.version).toBe(3);
    expect([...f.metadata.keys()]).toEqual([...metadata.keys()]);
    for (const [k, v] of metadata) expect(f.metadata.get(k)).toEqual(v.type === "f32" ? { ...v, value: Math.fround(v.value as number) } : v);
    expect(f.value("tokenizer.ggml.scores")).toEqual([0, -1.5, -2, 3]);
    for (const type of TYPES) {
      const t = f.tensor(`t.${type}`);
      expect(t.type.name).toBe(type);
      expect(t.shape).toEqual([3, 256]);
      expect(t.dims).toEqual([256, 3]);
      expect(t.offset % f.alignment).toBe(0);
      const x = values.get(`t.${type}`)!;
      expect(f.bytes(t.name)).toEqual(quantize(type, x));
      expect(f.getF32(t.name).data).toEqual(dequantize(type, quantize(type, x), x.length));
    }
  });

  it("writes atomically to disk and reads back from disk the same as from bytes", () => {
    const { bytes, metadata } = sample();
    const f = parseGguf(bytes);
    const path = join(dir, "m.gguf");
    writeGguf(path, metadata, f.tensors.map((t) => ({ name: t.name, type: t.type.name as GgmlType, shape: t.shape, data: () => f.bytes(t.name) })));
    expect(new Uint8Array(readFileSync(path))).toEqual(bytes);
    expect(readdirSync(dir).filter((n) => n.includes(".tmp"))).toEqual([]);
    const d = readGguf(path);
    for (const t of f.tensors) expect(d.getF32(t.name).data).toEqual(f.getF32(t.name).data);
  });

  it("a failed write leaves the old file and no temp file", () => {
    const path = join(dir, "keep.gguf");
    writeFileSync(path, "old");
    const bad = [{ name: "w", type: "F32" as const, shape: [4], data: () => new Uint8Array(3) }];
    expect(() => writeGguf(path, new Map(), bad)).toThrow(/tensor "w": F32 \[4\] needs 16 bytes, got 3/);
    expect(readFileSync(path, "utf8")).toBe("old");
    expect(readdirSync(dir).filter((n) => n.includes(".tmp"))).toEqual([]);
  });

  it("reads a header larger than the first read's prefix from disk", () => {
    const long = Array.from({ length: 40_000 }, (_, i) => `token-${i}-${"x".repeat(20)}`);
    const md = new Map<string, GgufValue>([["tokenizer.ggml.tokens", gguf.array("string", long)]]);
    const path = join(dir, "long.gguf");
    writeGguf(path, md, [{ name: "w", type: "F32", shape: [2], data: () => quantize("F32", new Float32Array([1, 2])) }]);
    const f = readGguf(path);
    expect((f.value("tokenizer.ggml.tokens") as string[])[39_999]).toBe(long[39_999]);
    expect(Array.from(f.getF32("w").data)).toEqual([1, 2]);
  });
});

/** Little-endian helpers to build hostile headers by hand. */
function header(parts: (number | bigint | string | Uint8Array)[][]): Uint8Array {
  const chunks: Uint8Array[] = [];
  for (const [kind, v] of parts as [string, number | bigint | string | Uint8Array][]) {
    if (kind === "u32") chunks.push(new Uint8Array(new Uint32Array([v as number]).buffer));
    else if (kind === "u64") chunks.push(new Uint8Array(new BigUint64Array([BigInt(v as number)]).buffer));
    else if (kind === "str") {
      const b = new TextEncoder().encode(v as string);
      chunks.push(new Uint8Array(new BigUint64Array([BigInt(b.length)]).buffer), b);
    } else chunks.push(v as Uint8Array);
  }
  const out = new Uint8Array(chunks.reduce((a, c) => a + c.length, 0));
  let p = 0;
  for (const c of chunks) {
    out.set(c, p);
    p += c.length;
  }
  return out;
}
const start = (tensors: number, kvs: number) => [["raw", new TextEncoder().encode("GGUF")], ["u32", 3], ["u64", tensors], ["u64", kvs]];

describe("GGUF validation", () => {
  it("refuses what is not GGUF v2/v3 by name", () => {
    expectBad(new TextEncoder().encode("GGML\x03\x00\x00\x00"), /not a GGUF file \(starts with "GGML"/);
    expectBad(header([["raw", new TextEncoder().encode("GGUF")], ["u32", 1], ["u32", 0], ["u32", 0]]), /GGUF version 1 .* not supported/);
    expectBad(header([["raw", new TextEncoder().encode("GGUF")], ["u32", 0x03000000]]), /version 50331648 \(a big-endian GGUF\?/);
    expectBad(new Uint8Array([0x47, 0x47]), /file ends inside the magic number/);
  });

  it("checks counts and lengths against the bytes left before allocating", () => {
    expectBad(header([...start(0, 1e12)]), /metadata count 1000000000000 cannot fit in the 0 bytes left/);
    expectBad(header([...start(2 ** 40, 0)]), /tensor count 1099511627776 cannot fit/);
    expectBad(header([...start(0, 1), ["u64", 2 ** 50], ["raw", new Uint8Array(16)]]), /metadata entry 0: file ends inside the key \(needs 1125899906842624 bytes/);
    expectBad(header([...start(0, 1), ["str", "k"], ["u32", 9], ["u32", 6], ["u64", 1e9]]), /key "k": array of 1000000000 f32 cannot fit/, `key "k"`);
    expectBad(header([...start(0, 1), ["str", "k"], ["u32", 9], ["u32", 9], ["u64", 0]]), /arrays of arrays are not supported/);
    expectBad(header([...start(0, 1), ["str", "k"], ["u32", 13]]), /key "k": unknown value type 13/);
    expectBad(header([...start(0, 1), ["str", "k"], ["u32", 7], ["raw", new Uint8Array([2])]]), /bool stored as 2/);
    expectBad(header([...start(0, 1), ["u64", 2], ["raw", new Uint8Array([0xff, 0xfe])], ["u32", 0], ["u32", 0]]), /metadata entry 0: the key is not valid UTF-8/);
    expectBad(header([...start(0, 2), ["str", "k"], ["u32", 0], ["raw", new Uint8Array([1])], ["str", "k"], ["u32", 0], ["raw", new Uint8Array([1])]]), /key "k": appears twice/);
    expectBad(header([...start(0, 1), ["str", "general.alignment"], ["u32", 4], ["u32", 24]]), /general.alignment.*power of two/);
  });

  it("checks tensor infos: dims, type, blocks, offsets, overlaps, file size", () => {
    const info = (name: string, dims: number[], type: number, offset: number) => [["str", name], ["u32", dims.length], ...dims.map((d) => ["u64", d]), ["u32", type], ["u64", offset]];
    const file = (infos: (number | string | Uint8Array)[][], dataBytes: number) => {
      const h = header([...start(infos.filter((p) => p[0] === "str").length, 0), ...infos]);
      const out = new Uint8Array(Math.ceil(h.length / 32) * 32 + dataBytes);
      out.set(h);
      return out;
    };
    expectBad(file(info("w", [4, 2, 1, 1, 1], 0, 0), 64), /has 5 dimensions/, `tensor "w"`);
    expectBad(file(info("w", [4], 5, 0), 64), /unknown tensor type 5/, `tensor "w"`);
    expectBad(file(info("w", [48], 8, 0), 64), /Q8_0 stores blocks of 32 values, but the row length ne\[0\] = 48/);
    expectBad(file(info("w", [4], 0, 8), 64), /data offset 8 is not a multiple of the alignment 32/);
    expectBad(file(info("w", [32, 2], 0, 0), 64), /data \[0, 256\) \(F32 \[32, 2\]\) runs past the end of the data section \(64 bytes\)/);
    expectBad(file(info("w", [65536, 65536], 0, 0), 64), /hold more than 2147483647 elements/);
    expectBad(file([...info("a", [16], 0, 0), ...info("b", [8], 0, 32)], 128), /tensor "b": data \[32, 64\) overlaps tensor "a" \[0, 64\)/);
    expectBad(file([...info("a", [8], 0, 0), ...info("a", [8], 0, 32)], 128), /tensor "a": appears twice/);
    const q8_1 = file(info("w", [32], 9, 0), 64);
    const f = parseGguf(q8_1, FILE); // listed: the metadata and other tensors stay usable
    expect(() => f.getF32("w")).toThrow(/bad.gguf: tensor "w": tensor type Q8_1 is not supported \(supported: F32, F16, Q4_0, Q4_1, Q5_0, .*, BF16\)/);
    expect(() => f.getF32("nope")).toThrow(/tensor "nope": no such tensor/);
  });

  it("every truncation of a valid file is refused with a GgufError (never another error)", () => {
    const { bytes } = sample();
    const f = parseGguf(bytes);
    const dataStart = bytes.length - f.tensors.reduce((a, t) => Math.max(a, t.offset + t.byteLength), 0);
    for (let n = 0; n < bytes.length; n += n < dataStart + 64 ? 1 : 97) {
      expectBad(bytes.subarray(0, n), /./);
    }
  });

  it("random byte mutations give either a valid file or a GgufError", () => {
    const { bytes } = sample();
    const headerEnd = 1200; // mutate the header region, where the structure is
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(headerEnd - 1), fc.nat(255)), { minLength: 1, maxLength: 6 }), (edits) => {
        const b = bytes.slice();
        for (const [i, v] of edits) b[i] = v;
        try {
          const f = parseGguf(b, FILE);
          for (const t of f.tensors) if (t.type.supported) f.getF32(t.name);
        } catch (e) {
          if (!(e instanceof GgufError)) throw e;
          expect(e.message.startsWith(FILE)).toBe(true);
        }
      }),
      { seed: 13, numRuns: 400 },
    );
  });
});
