import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import {
  parseSafetensors,
  readSafetensors,
  serializeSafetensors,
  writeSafetensors,
  SafetensorsError,
  Tensor,
  f32ToF16Array,
  f32ToBf16Array,
  f16ToF32,
  bf16ToF32,
  numel,
} from "../src/index.js";
// ../shared beside the checkout (vitest.shared.ts sets MINI_SHARED from the repo root).
const SHARED = process.env["MINI_SHARED"]!;

const FILE = "bad.safetensors";

/** A safetensors buffer from a header (object or raw JSON text) and data bytes; headerPad spaces appended. */
function build(header: unknown, data: Uint8Array = new Uint8Array(0), headerPad = 0): Uint8Array {
  const text = (typeof header === "string" ? header : JSON.stringify(header)) + " ".repeat(headerPad);
  const json = new TextEncoder().encode(text);
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

/** Expects a SafetensorsError whose message names the file (and the tensor, if given) and matches `reason`. */
function expectBad(bytes: Uint8Array, reason: RegExp, tensor?: string): void {
  let err: unknown;
  try {
    const f = parseSafetensors(bytes, FILE);
    for (const n of f.names()) f.get(n);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(SafetensorsError);
  const e = err as SafetensorsError;
  expect(e.message).toContain(FILE);
  expect(e.message).toMatch(reason);
  if (tensor !== undefined) {
    expect(e.tensor).toBe(tensor);
    expect(e.message).toContain(`"${tensor}"`);
  }
}

const entry = (dtype: string, shape: number[], begin: number, end: number) => ({ dtype, shape, data_offsets: [begin, end] });

describe("safetensors round trip", () => {
  const tensorSet = fc.dictionary(
    fc.string({ minLength: 1, maxLength: 12 }).filter((s) => s !== "__metadata__"),
    fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }),
    { maxKeys: 6 },
  );
  const meta = fc.option(fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 3 }), { nil: undefined });

  it("serialize → parse gives the same names, shapes, values and metadata", () => {
    fc.assert(
      fc.property(tensorSet, meta, fc.integer(), (shapes, metadata, seed) => {
        const tensors: Record<string, Tensor> = {};
        let s = seed;
        for (const [name, shape] of Object.entries(shapes)) {
          tensors[name] = Tensor.from(Float32Array.from({ length: numel(shape) }, () => Math.sin(s++) * 1e3), shape);
        }
        const bytes = serializeSafetensors(tensors, metadata);
        const headerLen = Number(new DataView(bytes.buffer).getBigUint64(0, true));
        expect(headerLen % 8).toBe(0);
        const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLen)));
        const keys = Object.keys(header).filter((k) => k !== "__metadata__");
        // offsets contiguous in sorted-name order
        let cursor = 0;
        for (const k of [...keys].sort()) {
          expect(header[k].data_offsets[0]).toBe(cursor);
          cursor = header[k].data_offsets[1];
        }
        const f = parseSafetensors(bytes, "rt");
        expect(f.names()).toEqual(Object.keys(tensors).sort());
        expect(f.metadata).toEqual(metadata ?? {});
        for (const [name, t] of Object.entries(tensors)) {
          expect(f.info(name)).toEqual({ dtype: "F32", shape: [...t.shape] });
          const got = f.get(name);
          expect(got.shape).toEqual(t.shape);
          expect(Array.from(got.data)).toEqual(Array.from(t.data));
        }
      }),
      { numRuns: 60 },
    );
  });

  it("__metadata__ comes first and keys are sorted in the header text", () => {
    const bytes = serializeSafetensors({ b: Tensor.zeros([1]), a: Tensor.zeros([2]), "10": Tensor.zeros([1]), "9": Tensor.zeros([1]) }, { z: "1", a: "2" });
    const text = new TextDecoder().decode(bytes.subarray(8, 8 + Number(new DataView(bytes.buffer).getBigUint64(0, true))));
    expect(text.trimEnd()).toBe(
      '{"__metadata__":{"a":"2","z":"1"},"10":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"9":{"dtype":"F32","shape":[1],"data_offsets":[4,8]},' +
        '"a":{"dtype":"F32","shape":[2],"data_offsets":[8,16]},"b":{"dtype":"F32","shape":[1],"data_offsets":[16,20]}}',
    );
  });

  const dir = mkdtempSync(join(tmpdir(), "mini-safetensors-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("writeSafetensors is atomic (no temp file left) and readSafetensors reads it back", () => {
    const path = join(dir, "m.safetensors");
    const w = Tensor.from([1, -2, 3.5, 4e-8, 5, 6], [2, 3]);
    writeSafetensors(path, { w }, { note: "hi" });
    writeSafetensors(path, { w, v: Tensor.scalar(7) }, { note: "again" }); // overwrite
    expect(readdirSync(dir)).toEqual(["m.safetensors"]);
    const f = readSafetensors(path);
    expect(f.file).toBe(path);
    expect(f.metadata).toEqual({ note: "again" });
    expect(f.get("w").toArray()).toEqual(Array.from(w.data));
    expect(f.get("v").shape).toEqual([]);
    expect(Array.from(readFileSync(path))).toEqual(Array.from(serializeSafetensors({ w, v: Tensor.scalar(7) }, { note: "again" })));
  });

  it("pinned get fills a WASM-heap tensor", () => {
    const bytes = serializeSafetensors({ w: Tensor.from([1, 2, 3]) });
    const t = parseSafetensors(bytes).get("w", { pinned: true });
    expect(t.isPinned).toBe(true);
    expect(t.toArray()).toEqual([1, 2, 3]);
    t.dispose();
  });

  it("a missing file is a SafetensorsError naming the path", () => {
    const p = join(dir, "nope.safetensors");
    expect(existsSync(p)).toBe(false);
    expect(() => readSafetensors(p)).toThrow(SafetensorsError);
    expect(() => readSafetensors(p)).toThrow(p);
  });
});

describe("F16 / BF16 files", () => {
  const values = fc.array(fc.float({ noNaN: true, min: -70000, max: 70000 }), { maxLength: 24 }).map((a) => Float32Array.from(a));

  for (const [dtype, toBits, toF32] of [
    ["F16", f32ToF16Array, f16ToF32],
    ["BF16", f32ToBf16Array, bf16ToF32],
  ] as const) {
    it(`${dtype} tensors read as float32 (aligned and unaligned data)`, () => {
      fc.assert(
        fc.property(values, fc.integer({ min: 0, max: 3 }), (v, pad) => {
          const bits = toBits(v);
          const data = new Uint8Array(bits.buffer, bits.byteOffset, bits.byteLength);
          const bytes = build({ x: entry(dtype, [v.length], 0, data.length) }, data, pad);
          const f = parseSafetensors(bytes);
          expect(f.info("x").dtype).toBe(dtype);
          expect(Array.from(f.get("x").data)).toEqual(Array.from(bits, (b) => toF32(b)));
        }),
      );
    });
  }
});

describe("malformed safetensors give SafetensorsError naming the file", () => {
  const good = serializeSafetensors({ a: Tensor.from([1, 2]), b: Tensor.from([3, 4, 5]) });
  const data = (n: number) => new Uint8Array(n);

  it("truncated file / header length past the end / huge header length", () => {
    expectBad(good.subarray(0, 5), /too short/);
    expectBad(good.subarray(0, 20), /runs past the end/);
    expectBad(good.subarray(0, good.length - 1), /run past the data section \(19 bytes\)/, "b");
    const huge = new Uint8Array(good);
    new DataView(huge.buffer).setBigUint64(0, 2n ** 60n, true);
    expectBad(huge, /header length 1152921504606846976 runs past the end/);
    expect(() => parseSafetensors(good, FILE, { maxHeaderBytes: 16 })).toThrow(/exceeds the limit of 16 bytes/);
  });

  it("bad JSON, non-object JSON, bad UTF-8, bad metadata", () => {
    expectBad(build("{not json"), /not valid JSON/);
    expectBad(build("[1,2]"), /must be a JSON object, got an array/);
    expectBad(build("null"), /got null/);
    expectBad(build("42"), /got number/);
    const badUtf8 = build("{}");
    badUtf8[8] = 0xff;
    expectBad(badUtf8, /UTF-8/);
    expectBad(build({ __metadata__: { a: 1 } }), /__metadata__\["a"\] must be a string/);
    expectBad(build({ __metadata__: ["x"] }), /__metadata__ must be an object/);
  });

  it("overlapping, out-of-range and gapped offsets", () => {
    expectBad(build({ a: entry("F32", [2], 0, 8), b: entry("F32", [2], 4, 12) }, data(12)), /overlap tensor "a"/, "b");
    expectBad(build({ a: entry("F32", [2], 0, 8), b: entry("F32", [1], 8, 12) }, data(8)), /run past the data section/, "b");
    expectBad(build({ a: entry("F32", [1], 0, 4), b: entry("F32", [1], 8, 12) }, data(12)), /gap in the data section: bytes \[4, 8\)/, "b");
    expectBad(build({ a: entry("F32", [1], 0, 4) }, data(8)), /bytes \[4, 8\) at the end/);
    expectBad(build({ a: entry("F32", [1], 4, 0) }, data(4)), /0 ≤ begin ≤ end/, "a");
    expectBad(build({ a: { dtype: "F32", shape: [1], data_offsets: [0] } }, data(4)), /data_offsets must be \[begin, end\]/, "a");
    expectBad(build({ a: { dtype: "F32", shape: [1], data_offsets: [0, "4"] } }, data(4)), /must be integers/, "a");
  });

  it("byte range not matching dtype × shape", () => {
    expectBad(build({ a: entry("F32", [3], 0, 8) }, data(8)), /hold 8 bytes but F32 × \[3\] needs 12/, "a");
    expectBad(build({ a: entry("F16", [3], 0, 12) }, data(12)), /needs 6/, "a");
  });

  it("huge declared shapes are rejected before any allocation", () => {
    expectBad(build({ a: entry("F32", [2 ** 40, 2 ** 40], 0, 8) }, data(8)), /more than the limit/, "a");
    expectBad(build({ a: entry("F32", [2 ** 31], 0, 8) }, data(8)), /more than the limit/, "a");
    expectBad(build({ a: entry("F32", [2 ** 53 + 2], 0, 8) }, data(8)), /non-negative integers/, "a");
  });

  it("negative or non-integer dims, bad shape/dtype types", () => {
    expectBad(build({ a: entry("F32", [-1], 0, 0) }), /non-negative integers, found -1/, "a");
    expectBad(build({ a: entry("F32", [1.5], 0, 6) }, data(6)), /found 1.5/, "a");
    expectBad(build({ a: { dtype: "F32", shape: "2", data_offsets: [0, 8] } }, data(8)), /shape must be an array/, "a");
    expectBad(build({ a: { dtype: 4, shape: [1], data_offsets: [0, 4] } }, data(4)), /dtype must be a string/, "a");
    expectBad(build({ a: [1] }), /entry must be an object/, "a");
  });

  it("unknown dtypes are bad; known non-float dtypes are unsupported at get()", () => {
    expectBad(build({ a: entry("F33", [1], 0, 4) }, data(4)), /bad dtype "F33"/, "a");
    expectBad(build({ a: entry("F4", [2], 0, 1) }, data(1)), /unsupported dtype F4/, "a");
    for (const [dtype, size] of [["I64", 8], ["F64", 8], ["I32", 4], ["U8", 1], ["BOOL", 1]] as const) {
      const bytes = build({ a: entry(dtype, [2], 0, 2 * size) }, data(2 * size));
      const f = parseSafetensors(bytes, FILE);
      expect(f.info("a").dtype).toBe(dtype);
      expectBad(bytes, new RegExp(`unsupported dtype ${dtype}`), "a");
    }
  });

  it("get of an absent name names it and hints at a metadata alias", () => {
    const f = parseSafetensors(build({ __metadata__: { tied: "a" }, a: entry("F32", [1], 0, 4) }, data(4)), FILE);
    expect(f.resolveAlias("tied")).toBe("a");
    expect(f.resolveAlias("a")).toBeUndefined();
    expect(f.resolveAlias("other")).toBeUndefined();
    expect(() => f.get("tied")).toThrow(/bad.safetensors: tensor "tied": no such tensor \(__metadata__ names it an alias of "a"/);
  });

  it("random byte mutations of a valid file: success or SafetensorsError, nothing else", () => {
    const bytes = serializeSafetensors(
      { "model.w": Tensor.from([1, 2, 3, 4, 5, 6], [2, 3]), bias: Tensor.from([1, 2]), s: Tensor.scalar(3) },
      { alias: "bias" },
    );
    const headerEnd = 8 + Number(new DataView(bytes.buffer).getBigUint64(0, true));
    const position = fc.oneof(fc.integer({ min: 0, max: headerEnd - 1 }), fc.integer({ min: 0, max: bytes.length - 1 }));
    const mutation = fc.array(fc.tuple(position, fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 });
    fc.assert(
      fc.property(mutation, fc.option(fc.integer({ min: 0, max: bytes.length }), { nil: undefined }), (muts, cut) => {
        const m = new Uint8Array(bytes);
        for (const [pos, val] of muts) m[pos] = val;
        const input = cut === undefined ? m : m.subarray(0, cut);
        try {
          const f = parseSafetensors(input, FILE);
          for (const n of f.names()) f.get(n);
        } catch (e) {
          if (!(e instanceof SafetensorsError)) throw e;
          expect(e.message).toContain(FILE);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe("the story model file", () => {
  const dir = `${SHARED}/models/story`;
  const config = JSON.parse(readFileSync(join(dir, "config.json"), "utf8")) as Record<string, number | boolean>;
  const f = readSafetensors(join(dir, "model.safetensors"));

  it("has the names and shapes config.json implies", () => {
    const d = config.hidden_size as number;
    const heads = config.num_attention_heads as number;
    const kvHeads = config.num_key_value_heads as number;
    const hd = d / heads;
    const ff = config.intermediate_size as number;
    const vocab = config.vocab_size as number;
    const expected: Record<string, number[]> = { "model.norm.weight": [d], "lm_head.weight": [vocab, d] };
    for (let l = 0; l < (config.num_hidden_layers as number); l++) {
      const p = `model.layers.${l}`;
      Object.assign(expected, {
        [`${p}.input_layernorm.weight`]: [d],
        [`${p}.post_attention_layernorm.weight`]: [d],
        [`${p}.self_attn.q_proj.weight`]: [heads * hd, d],
        [`${p}.self_attn.k_proj.weight`]: [kvHeads * hd, d],
        [`${p}.self_attn.v_proj.weight`]: [kvHeads * hd, d],
        [`${p}.self_attn.o_proj.weight`]: [d, heads * hd],
        [`${p}.mlp.gate_proj.weight`]: [ff, d],
        [`${p}.mlp.up_proj.weight`]: [ff, d],
        [`${p}.mlp.down_proj.weight`]: [d, ff],
      });
    }
    expect(f.names()).toEqual(Object.keys(expected).sort());
    for (const [name, shape] of Object.entries(expected)) expect(f.info(name)).toEqual({ dtype: "F32", shape });
  });

  it("stores the tied embedding once, with a __metadata__ alias", () => {
    expect(config.tie_word_embeddings).toBe(true);
    expect(f.has("model.embed_tokens.weight")).toBe(false);
    expect(f.resolveAlias("model.embed_tokens.weight")).toBe("lm_head.weight");
    const w = f.get("lm_head.weight");
    expect(w.data.every(Number.isFinite)).toBe(true);
  });
});
