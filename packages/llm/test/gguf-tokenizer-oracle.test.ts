/**
 * Tokenizers read from GGUF metadata against llama.cpp's (node-llama-cpp's prebuilt binary) on the
 * same file: the same ids for random text with special tokens, whitespace runs, accents, CJK, emoji
 * and arbitrary code points. `llama` (SentencePiece by scores, byte fallback): the story model;
 * `gpt2` (byte-level BPE) with the llama-bpe, qwen2 and gpt-2 pre-tokenizers: tiny synthesized
 * models carrying the byte-level fixture vocabularies.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { tokenizerFromJson } from "../src/index.js";
import { readGguf } from "@mini/tensor";
import { ggufTokenizerMetadata, loadTokenizerSync, tokenizerFromGguf } from "../src/tokenizers/index.js";
import { CONFIG, gpt2Json, llama3Json, SPECIALS } from "./tokenizers/byte-level-fixtures.js";
import { preTypeByName } from "../src/tokenizers/gguf/pre-patterns.js";
import { STORY, writeStoryGguf, writeSynthGguf } from "./gguf-oracle-helpers.js";
import { expectSameIds } from "./gguf-tokenizer-oracle-helpers.js";

const dir = mkdtempSync(join(tmpdir(), "mini-gguf-tok-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("GGUF tokenizers: the same ids as llama.cpp", () => {
  it("llama (SentencePiece by scores): the story model's tokenizer (no byte tokens: text kept to its characters)", async () => {
    const story = loadTokenizerSync(STORY);
    const keep = (c: string): boolean => story.tokenToId(c === " " ? "\u2581" : c) !== undefined;
    await expectSameIds(await writeStoryGguf(dir, "Q8_0"), ["<|start_story|>", "<|end_story|>"], { keep });
  });

  it("llama (SentencePiece by scores, 256 byte tokens): the 32k chat tokenizer on a tiny model", async () => {
    const chatDir = join(STORY, "..", "chat-tokenizer");
    const tok = loadTokenizerSync(chatDir);
    const md = ggufTokenizerMetadata(JSON.parse(readFileSync(join(chatDir, "tokenizer.json"), "utf8")), tok, 32002);
    const path = join(dir, "tok-chat.gguf");
    writeSynthGguf(path, { vocab_size: 32002, hidden_size: 32, intermediate_size: 64, num_hidden_layers: 1, num_attention_heads: 2 }, md, "F32", 4);
    // The chat template and the special ids travel in the file.
    const back = tokenizerFromGguf(readGguf(path));
    expect(tok.chatTemplate).toBeDefined();
    expect(back.chatTemplate).toBe(tok.chatTemplate);
    expect([back.bosId, back.eosId, back.addBosToken]).toEqual([tok.bosId, tok.eosId, false]);
    await expectSameIds(path, ["<s>", "</s>", "<unk>", "<|im_start|>", "<|im_end|>"]);
  });

  const qwen2Json = (): Record<string, unknown> => {
    const j = llama3Json(false) as { pre_tokenizer: { pretokenizers: { pattern?: unknown }[] }; model: Record<string, unknown> };
    j.pre_tokenizer.pretokenizers[0]!.pattern = { Regex: preTypeByName("qwen2")!.regexes[0] };
    j.model["ignore_merges"] = false;
    return j;
  };
  const variants: [string, () => Record<string, unknown>][] = [
    ["llama-bpe", () => llama3Json(false)],
    ["qwen2", qwen2Json],
    ["gpt-2", gpt2Json],
  ];
  for (const [pre, json] of variants) {
    it(`gpt2 (byte-level BPE), pre-tokenizer ${pre}: also the same ids as tokenizer.json through the HF pipeline`, async () => {
      const j = json();
      const hfTok = tokenizerFromJson(j, CONFIG);
      const vocab = Math.ceil(hfTok.vocabSize / 32) * 32;
      const md = ggufTokenizerMetadata(j, hfTok, vocab);
      expect(md.get("tokenizer.ggml.pre")?.value).toBe(pre);
      const path = join(dir, `tok-${pre}.gguf`);
      writeSynthGguf(path, { vocab_size: vocab, hidden_size: 32, intermediate_size: 64, num_hidden_layers: 1, num_attention_heads: 2 }, md, "F32", 3);
      await expectSameIds(path, SPECIALS, { also: hfTok });
    });
  }
});
