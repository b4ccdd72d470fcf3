/**
 * mini's GGUF writer against the outside converter (scripts/gguf-xcheck/convert.py, written as
 * llama.cpp's convert_hf_to_gguf.py writes): the same source directory written by writeModelGguf in
 * the same type gives the committed file's tensors byte for byte (names, types — Q8_0's F16 fallback
 * included —, shapes, Wq/Wk rows and q/k biases in llama.cpp's order, Q8_0/BF16/F16 rounding, stacked
 * experts, rope_freqs), and every hyper-parameter key the converter sets with the same value. Keys
 * not compared: tokenizer.* (the fixtures' WordLevel tokenizer is not one mini writes), and
 * `general.type` / `general.quantization_version`, which mini does not write (llama.cpp does not
 * need them), and `general.alignment` (the layout; one fixture has 256).
 */
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readGguf } from "@mini/tensor";
import { afterAll, describe, expect, it } from "vitest";
import { readModelConfig } from "../../src/loaders/index.js";
import { openSafetensorsSource, writeModelGguf, type GgufWriteType } from "../../src/models/index.js";

const FIXTURES = join(import.meta.dirname, "../fixtures/gguf-xcheck");
const SOURCES = join(import.meta.dirname, "../fixtures/torch-xcheck");
// general.alignment: the layout, which mini's writer keeps at the default 32.
const NOT_WRITTEN_BY_MINI = new Set(["general.type", "general.quantization_version", "general.alignment"]);
const OUT = mkdtempSync(join(tmpdir(), "gguf-xcheck-writer-"));
afterAll(() => rmSync(OUT, { recursive: true, force: true }));

describe("writeModelGguf gives the outside converter's tensors and keys", () => {
  for (const file of readdirSync(FIXTURES).filter((f) => f.endsWith(".gguf")).sort()) {
    const parts = file.replace(/\.gguf$/, "").split("."); // <case>[.a<alignment>].<outtype>
    const [name, type] = [parts[0]!, parts.at(-1)!];
    it(file, async () => {
      const out = join(OUT, file);
      const dir = join(SOURCES, name);
      writeModelGguf(out, { config: readModelConfig(dir), source: await openSafetensorsSource(dir), type: type.toUpperCase() as GgufWriteType, name });
      const theirs = readGguf(join(FIXTURES, file));
      const ours = readGguf(out);
      expect(ours.tensors.map((t) => t.name).sort()).toEqual(theirs.tensors.map((t) => t.name).sort());
      for (const t of theirs.tensors) {
        const o = ours.tensor(t.name);
        expect(`${t.name} ${o.type.name} [${o.shape.join()}]`).toBe(`${t.name} ${t.type.name} [${t.shape.join()}]`);
        expect(Buffer.from(ours.bytes(t.name)).equals(Buffer.from(theirs.bytes(t.name))), `${t.name} bytes`).toBe(true);
      }
      for (const key of theirs.metadata.keys()) {
        if (key.startsWith("tokenizer.") || NOT_WRITTEN_BY_MINI.has(key)) continue;
        expect([key, ours.value(key)]).toEqual([key, theirs.value(key)]);
      }
    });
  }
});
