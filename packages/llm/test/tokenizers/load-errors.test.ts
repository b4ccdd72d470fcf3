/** Bad input: every error names the file and the component at fault. */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadTokenizer, loadTokenizerSync, tokenizerFromJson, TokenizerLoadError } from "../../src/tokenizers/index.js";
// ../shared beside the checkout (vitest.shared.ts sets MINI_SHARED from the repo root).
const SHARED = process.env["MINI_SHARED"]!;

const story = JSON.parse(readFileSync(`${SHARED}/models/story/tokenizer.json`, "utf8")) as Record<string, unknown>;
const withPart = (part: string, value: unknown): Record<string, unknown> => ({ ...structuredClone(story), [part]: value });

describe("loading a model directory", () => {
  it("loadTokenizer (async) and loadTokenizerSync give the same tokenizer", async () => {
    const dir = `${SHARED}/models/story`;
    const [a, b] = [await loadTokenizer(dir), loadTokenizerSync(dir)];
    expect(a.encode("Once upon a time")).toEqual(b.encode("Once upon a time"));
    expect([a.vocabSize, a.bosId, a.eosId]).toEqual([2048, 1, 2]);
  });
});

describe("tokenizer loading errors", () => {
  it("a missing directory or tokenizer.json names the file", async () => {
    const dir = join(tmpdir(), "no-such-tokenizer-dir");
    await expect(loadTokenizer(dir)).rejects.toThrow(`${join(dir, "tokenizer.json")}: file not found`);
    expect(() => loadTokenizerSync(dir)).toThrow(TokenizerLoadError);
  });

  it("invalid JSON names the file", () => {
    const dir = mkdtempSync(join(tmpdir(), "tok-"));
    writeFileSync(join(dir, "tokenizer.json"), "{ not json");
    expect(() => loadTokenizerSync(dir)).toThrow(new RegExp(`^${join(dir, "tokenizer.json")}: invalid JSON`));
  });

  it.each([
    ["pre_tokenizer", { type: "BertPreTokenizer" }, 'tokenizer.json: unsupported pre_tokenizer type "BertPreTokenizer"'],
    ["normalizer", { type: "BertNormalizer" }, 'tokenizer.json: unsupported normalizer type "BertNormalizer"'],
    ["normalizer", { type: "Precompiled", precompiled_charsmap: "" }, 'tokenizer.json: unsupported normalizer type "Precompiled"'],
    ["decoder", { type: "CTC" }, 'tokenizer.json: unsupported decoder type "CTC"'],
    ["post_processor", { type: "Bogus" }, 'tokenizer.json: unsupported post_processor type "Bogus"'],
    ["model", { type: "Unigram", vocab: [] }, 'tokenizer.json: unsupported model type "Unigram"'],
    ["model", { type: "WordPiece", vocab: {} }, 'tokenizer.json: unsupported model type "WordPiece"'],
  ])("unsupported %s %j", (part, value, message) => {
    expect(() => tokenizerFromJson(withPart(part, value))).toThrow(message);
  });

  it("a nested component is located by its json path", () => {
    const json = withPart("pre_tokenizer", { type: "Sequence", pretokenizers: [{ type: "WhitespaceSplit" }, { type: "UnicodeScripts" }] });
    expect(() => tokenizerFromJson(json)).toThrow('tokenizer.json: unsupported pre_tokenizer type "UnicodeScripts" (at pre_tokenizer.pretokenizers[1])');
  });

  it("an unsupported component read from disk names the file path", () => {
    const dir = mkdtempSync(join(tmpdir(), "tok-"));
    writeFileSync(join(dir, "tokenizer.json"), JSON.stringify(withPart("decoder", { type: "CTC" })));
    try {
      loadTokenizerSync(dir);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(TokenizerLoadError);
      expect((e as TokenizerLoadError).file).toBe(join(dir, "tokenizer.json"));
      expect((e as TokenizerLoadError).component).toBe("decoder");
      expect((e as Error).message).toContain('unsupported decoder type "CTC"');
    }
  });

  it("malformed fields say what was expected", () => {
    const model = story["model"] as Record<string, unknown>;
    expect(() => tokenizerFromJson(withPart("model", { ...model, merges: ["e ▁", "Ω Ж"] }))).toThrow(
      /tokenizer\.json: model\.merges\[1\]: expected tokens in the vocab \("Ω" is not\)/,
    );
    expect(() => tokenizerFromJson(withPart("model", { ...model, dropout: 0.1 }))).toThrow("unsupported model.dropout 0.1");
    expect(() => tokenizerFromJson(withPart("normalizer", { type: "Replace", pattern: { Nope: 1 }, content: "" }))).toThrow(
      'tokenizer.json: normalizer.pattern: expected {"String": …} or {"Regex": …}',
    );
    expect(() => tokenizerFromJson(withPart("added_tokens", [{ content: "<x>" }]))).toThrow("added_tokens[0].id: expected a non-negative integer");
    expect(() => tokenizerFromJson(story, { bos_token: 3 })).toThrow('tokenizer_config.json: tokenizer_config.bos_token: expected a string or {"content": …}');
    expect(() => tokenizerFromJson([1, 2])).toThrow("tokenizer.json: tokenizer.json: expected an object");
  });
});
