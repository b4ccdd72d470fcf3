/**
 * Every byte-level pre-tokenizer mini reads from tokenizer.ggml.pre (pre-patterns.ts) against
 * llama.cpp on the same file: a tiny Llama carrying the byte-level fixture vocabulary (256 byte
 * tokens, merges, whole words, special tokens; plus merges that build each separating word whole)
 * with that pre name gets the same ids from mini and
 * from llama.cpp, on texts that tell the regexes apart and on random ones, and mini's decoding of
 * those ids is llama.cpp's detokenizer's (clean_spaces on or off by name). A SmolLM2-shaped
 * tokenizer.json (Digits one by one, then ByteLevel) is written as "smollm", a Tekken-shaped one as
 * "tekken".
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gguf, readGguf } from "@mini/tensor";
import { afterAll, describe, expect, it } from "vitest";
import { StreamDecoder, tokenizerFromJson, type Tokenizer } from "../src/index.js";
import { PRE_TYPES, preTypeByName } from "../src/tokenizers/gguf/pre-patterns.js";
import { ggufTokenizerMetadata, tokenizerFromGguf } from "../src/tokenizers/index.js";
import { writeSynthGguf } from "./gguf-oracle-helpers.js";
import { expectSameIds, SEPARATING_TEXTS, separatingJson } from "./gguf-tokenizer-oracle-helpers.js";
import { CONFIG, SPECIALS } from "./tokenizers/byte-level-fixtures.js";

const dir = mkdtempSync(join(tmpdir(), "mini-gguf-pretok-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const llama3 = separatingJson();
const llama3Tok = tokenizerFromJson(llama3, CONFIG);
const VOCAB = Math.ceil(llama3Tok.vocabSize / 32) * 32;
const HF = { vocab_size: VOCAB, hidden_size: 32, intermediate_size: 64, num_hidden_layers: 1, num_attention_heads: 2 };

/** The fixture vocabulary as GGUF metadata named `pre` (absent: no tokenizer.ggml.pre key). */
function writeWithPre(pre: string | undefined, addBos?: boolean): string {
  const md = ggufTokenizerMetadata(llama3, llama3Tok, VOCAB);
  if (pre === undefined) md.delete("tokenizer.ggml.pre");
  else md.set("tokenizer.ggml.pre", gguf.string(pre));
  if (addBos === undefined) md.delete("tokenizer.ggml.add_bos_token");
  else md.set("tokenizer.ggml.add_bos_token", gguf.bool(addBos));
  const path = join(dir, `pre-${pre ?? "none"}.gguf`);
  writeSynthGguf(path, HF, md, "F32", 3);
  return path;
}

describe("GGUF byte-level pre-tokenizers: the same ids as llama.cpp", () => {
  for (const t of PRE_TYPES) {
    const flags = [t.ignoreMerges ? ", ignore_merges" : "", t.cleanSpaces ? ", clean_spaces" : ""].join("");
    it(`${t.names[0]} (${t.regexes.length} regex${t.regexes.length > 1 ? "es" : ""}${flags}): ids and decoding`, async () => {
      await expectSameIds(writeWithPre(t.names[0], false), SPECIALS, { texts: SEPARATING_TEXTS, runs: 60, decode: true });
    });
  }

  // A name llama.cpp reads as another pre-type is read as that one (a few that mini's architectures carry).
  for (const alias of ["deepseek-r1-qwen", "llama3", "llama4"]) {
    it(`alias ${alias}`, async () => {
      await expectSameIds(writeWithPre(alias, false), SPECIALS, { texts: SEPARATING_TEXTS, runs: 20, decode: true });
    });
  }

  it("no tokenizer.ggml.pre: llama.cpp's default regexes; add_bos from the pre-type when the file does not say", async () => {
    await expectSameIds(writeWithPre(undefined, false), SPECIALS, { texts: SEPARATING_TEXTS, runs: 20 });
    const bos = llama3Tok.bosId!;
    const read = (pre: string): number[] => tokenizerFromGguf(readGguf(writeWithPre(pre))).encode("hi");
    expect(read("tekken")[0]).toBe(bos);
    expect(read("llama-bpe")[0]).toBe(bos);
    expect(read("smollm")[0]).not.toBe(bos);
  });

  it("streaming decode with llama.cpp's clean-up: the chunks add up to decode, with no revision of emitted text", () => {
    const tok = tokenizerFromGguf(readGguf(writeWithPre("llama-bpe", false)));
    expect(tok.cleanUpTokenizationSpaces).toBe(true);
    for (const text of [...SEPARATING_TEXTS, SEPARATING_TEXTS.join(" , ")]) {
      const ids = tok.encode(text, { addSpecialTokens: false });
      const stream = new StreamDecoder(tok);
      const out = ids.map((id) => stream.push(id)).join("") + stream.flush();
      expect(out, JSON.stringify(text)).toBe(tok.decode(ids));
      expect(stream.mismatches).toBe(0);
    }
  });

  it("an unknown or refused name is one clear error naming the key", () => {
    for (const name of ["kimi-k2", "chatglm-bpe", "no-such-pre"]) {
      expect(() => tokenizerFromGguf(readGguf(writeWithPre(name)))).toThrow(`key "tokenizer.ggml.pre": unsupported pre-tokenizer "${name}"`);
    }
  });
});

describe("tokenizer.json → GGUF pre names", () => {
  const withPre = (pre: unknown, ignoreMerges: boolean): Record<string, unknown> => ({
    ...llama3,
    pre_tokenizer: pre,
    model: { ...(llama3["model"] as object), ignore_merges: ignoreMerges },
  });
  const byteLevel = (useRegex: boolean) => ({ type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: useRegex });

  it("SmolLM2's shape (Digits one by one, then ByteLevel with GPT-2's regex) is written as smollm: the same ids as tokenizer.json and llama.cpp", async () => {
    const j = withPre({ type: "Sequence", pretokenizers: [{ type: "Digits", individual_digits: true }, byteLevel(true)] }, false);
    const hfTok = tokenizerFromJson(j, CONFIG);
    const md = ggufTokenizerMetadata(j, hfTok, VOCAB);
    expect(md.get("tokenizer.ggml.pre")?.value).toBe("smollm");
    const path = join(dir, "smollm-json.gguf");
    writeSynthGguf(path, HF, md, "F32", 3);
    await expectSameIds(path, SPECIALS, { also: hfTok, texts: SEPARATING_TEXTS, runs: 60 });
  });

  it("Mistral's Tekken shape is written as tekken: llama.cpp's ids, which are tokenizer.json's except where llama.cpp's spelling cuts elsewhere", async () => {
    const split = { type: "Split", pattern: { Regex: preTypeByName("tekken")!.writtenFrom![0] }, behavior: "Isolated", invert: false };
    const j = withPre({ type: "Sequence", pretokenizers: [split, byteLevel(false)] }, true);
    const hfTok = tokenizerFromJson(j, CONFIG);
    const md = ggufTokenizerMetadata(j, hfTok, VOCAB);
    expect(md.get("tokenizer.ggml.pre")?.value).toBe("tekken");
    const path = join(dir, "tekken-json.gguf");
    writeSynthGguf(path, HF, md, "F32", 3);
    await expectSameIds(path, SPECIALS, { texts: SEPARATING_TEXTS, runs: 20 });
    const fromGguf = tokenizerFromGguf(readGguf(path));
    const ids = (t: Tokenizer, s: string): number[] => t.encode(s, { addSpecialTokens: false });
    expect(ids(fromGguf, "HTTPServer iPhone DON'T 12345")).toEqual(ids(hfTok, "HTTPServer iPhone DON'T 12345"));
    // The known difference (README, "GGUF tokenizers"): tokenizer.json keeps "ÉLAN" whole, llama.cpp cuts after É.
    expect(ids(hfTok, "ÉLAN")).toHaveLength(1);
    expect(ids(fromGguf, "ÉLAN").length).toBeGreaterThan(1);
  });

  it("the name follows ignore_merges (Llama-3's regex without it is dbrx) and an unknown split is refused", () => {
    const split = { type: "Split", pattern: { Regex: PRE_TYPES[0]!.regexes[0] }, behavior: "Isolated", invert: false };
    const name = (pre: unknown, im: boolean): unknown => {
      const j = withPre(pre, im);
      return ggufTokenizerMetadata(j, tokenizerFromJson(j, CONFIG), VOCAB).get("tokenizer.ggml.pre")?.value;
    };
    expect(name({ type: "Sequence", pretokenizers: [split, byteLevel(false)] }, true)).toBe("llama-bpe");
    expect(name({ type: "Sequence", pretokenizers: [split, byteLevel(false)] }, false)).toBe("dbrx");
    expect(name(byteLevel(true), false)).toBe("gpt-2");
    expect(() => name({ type: "Sequence", pretokenizers: [{ type: "Digits", individual_digits: false }, byteLevel(true)] }, false)).toThrow(
      /splits by .* which no llama.cpp pre-tokenizer does/,
    );
  });
});
