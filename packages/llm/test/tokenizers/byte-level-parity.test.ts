/**
 * Byte-level BPE tokenizers we have no local copy of (Llama-3 and GPT-2 style), built in memory:
 * a vocab of the 256 byte-level characters plus merges from a tiny greedy BPE trainer run on a
 * fixed English + code + CJK sample, and the Llama-3 special tokens. Ours must agree with the
 * @huggingface/tokenizers oracle on encode and decode, and decode(encode(s)) must give s back.
 */
import { Tokenizer as Oracle } from "@huggingface/tokenizers";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { tokenizerFromJson } from "../../src/tokenizers/index.js";
import { oracleDecode } from "./helpers.js";

import { CONFIG, MERGES, gpt2Json, llama3Json, plain, text } from "./byte-level-fixtures.js";

const RUNS = 150;
const CASES = [
  "",
  " ",
  "Hello world",
  "I'M sure they'll say YOU'RE right",
  "  leading and trailing  ",
  "tabs\tand\nnewlines\r\n\n  \r\n",
  "x = 1234567 + 89;\n\treturn x",
  "<|begin_of_text|>Once upon a time<|eot_id|>\n<|end_of_text|>",
  "café 字 😀 👨‍👩‍👧 日本語のテキスト",
  "\u0000\u0001\uFFFD\uD800",
  // Oniguruma's \s has U+0085 and lacks U+FEFF (JS's \s is the other way round).
  "\u0085。Reykjavík x\ufeffy \u0085\u0085z",
];

const variants: Array<[string, Record<string, unknown>]> = [
  ["llama-3 (TemplateProcessing)", llama3Json(false)],
  ["llama-3 (Sequence[ByteLevel, TemplateProcessing])", llama3Json(true)],
  ["gpt-2", gpt2Json()],
];

describe.each(variants)("%s byte-level tokenizer vs @huggingface/tokenizers", (_name, json) => {
  const ours = tokenizerFromJson(json, CONFIG);
  const oracle = new Oracle(json, CONFIG);

  it("uses the trained merges (words of the sample become single tokens)", () => {
    expect(MERGES.length).toBeGreaterThanOrEqual(250);
    expect(ours.encode(" the", { addSpecialTokens: false }).length).toBe(1);
    // With ignore_merges (Llama-3) a whole word in the vocab is one token; without (GPT-2) BPE splits it.
    const ignoreMerges = (json["model"] as { ignore_merges?: boolean }).ignore_merges === true;
    for (const w of [" Reykjavík", " 東京都庁"]) expect(ours.encode(w, { addSpecialTokens: false }).length === 1, w).toBe(ignoreMerges);
  });

  it("encodes hand-picked edge cases identically", () => {
    for (const s of CASES) {
      for (const add of [true, false]) {
        expect(ours.encode(s, { addSpecialTokens: add }), JSON.stringify(s)).toEqual(oracle.encode(s, { add_special_tokens: add }).ids);
      }
    }
  });

  it("encodes random text identically (with and without special tokens)", () => {
    fc.assert(
      fc.property(text, fc.boolean(), (s, add) => {
        expect(ours.encode(s, { addSpecialTokens: add })).toEqual(oracle.encode(s, { add_special_tokens: add }).ids);
      }),
      { numRuns: RUNS },
    );
  });

  it("decodes identically, and decode(encode(s)) === s", () => {
    fc.assert(
      fc.property(text, fc.boolean(), (s, skip) => {
        const ids = ours.encode(s);
        expect(ours.decode(ids, { skipSpecialTokens: skip })).toBe(oracleDecode(oracle, ids, skip));
      }),
      { numRuns: RUNS },
    );
    fc.assert(
      fc.property(plain, (s) => {
        // Lone surrogates cannot survive UTF-8; the well-formed version must.
        const wellFormed = s.replace(/\p{Cs}/gu, "\uFFFD");
        expect(ours.decode(ours.encode(s, { addSpecialTokens: false }))).toBe(wellFormed);
      }),
      { numRuns: RUNS },
    );
  });

  it("encodes pairs like the oracle (TemplateProcessing) or as plain concatenation (ByteLevel)", () => {
    const byteLevelPost = (json["post_processor"] as { type: string }).type === "ByteLevel";
    fc.assert(
      // A non-empty second text: the oracle treats "" as "no pair" (`text_pair || null`).
      fc.property(plain, plain.filter((b) => b.length > 0), fc.boolean(), (a, b, add) => {
        const expected = byteLevelPost
          ? // The oracle's ByteLevel post-processor drops the pair; the Rust crate concatenates.
            [...oracle.encode(a, { add_special_tokens: add }).ids, ...oracle.encode(b, { add_special_tokens: add }).ids]
          : oracle.encode(a, { text_pair: b, add_special_tokens: add }).ids;
        expect(ours.encodePair(a, b, { addSpecialTokens: add })).toEqual(expected);
      }),
      { numRuns: 50 },
    );
  });
});
