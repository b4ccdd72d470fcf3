/**
 * The byte-level BPE trainer: deterministic, the vocabulary it was asked for (or fewer when no
 * pair repeats), every text round-trips through encode/decode (bytes cover everything), the
 * training pieces come out as single tokens once merged, and the tokenizer.json is one GGUF
 * writes as "gpt2" with pre-tokenizer "gpt-2".
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildByteLevelBpeTokenizer, ggufTokenizerMetadata, tokenizerFromJson } from "../../src/tokenizers/index.js";

const TEXTS = [
  "The sun rises in the east </s>",
  "User: What causes rain? Assistant: Rain falls when drops in clouds grow heavy. </s>",
  "the the the sun sun rain rain rain </s>",
];

describe("buildByteLevelBpeTokenizer", () => {
  it("is deterministic, fills the vocabulary, and specials come first", () => {
    const a = buildByteLevelBpeTokenizer(TEXTS, 270);
    const b = buildByteLevelBpeTokenizer(TEXTS, 270);
    expect(a.json).toEqual(b.json);
    expect(a.tokenizer.vocabSize).toBe(270);
    expect([a.tokenizer.tokenToId("<pad>"), a.tokenizer.tokenToId("</s>")]).toEqual([0, 1]);
    // The most frequent pair here is "Ġ" + "r"/"s"/"t"…; whichever, the first merge joins two byte characters.
    expect(a.merges[0]!.every((s) => [...s].length === 1)).toBe(true);
    // A frequent word ends up one token.
    expect(a.tokenizer.encode(" rain", { addSpecialTokens: false })).toHaveLength(1);
  });

  it("stops when no pair occurs twice", () => {
    const t = buildByteLevelBpeTokenizer(["ab"], 1000);
    expect(t.tokenizer.vocabSize).toBe(258);
    expect(() => buildByteLevelBpeTokenizer(TEXTS, 100)).toThrow(/vocabSize must be an integer ≥ 258/);
  });

  it("round-trips any text, special tokens included", () => {
    const { tokenizer } = buildByteLevelBpeTokenizer(TEXTS, 300);
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string(), fc.constantFrom("</s>", " rain", "\n\n", "日本語 😀")), { maxLength: 6 }), (parts) => {
        const s = parts.join("");
        expect(tokenizer.decode(tokenizer.encode(s, { addSpecialTokens: false }))).toBe(s);
      }),
      { numRuns: 300, seed: 9 },
    );
  });

  it("is written to GGUF as gpt2 with the gpt-2 pre-tokenizer and its merges", () => {
    const b = buildByteLevelBpeTokenizer(TEXTS, 300);
    const md = ggufTokenizerMetadata(b.json, tokenizerFromJson(b.json, b.config), 320);
    expect(md.get("tokenizer.ggml.model")?.value).toBe("gpt2");
    expect(md.get("tokenizer.ggml.pre")?.value).toBe("gpt-2");
    expect(md.get("tokenizer.ggml.merges")?.value).toEqual(b.merges.map(([x, y]) => `${x} ${y}`));
    expect(md.get("tokenizer.ggml.eos_token_id")?.value).toBe(1);
  });
});
