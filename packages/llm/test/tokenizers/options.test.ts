/** BPE options, added-token flags, decoders, post-processors and tokenizer_config handling. */
import { Tokenizer as Oracle } from "@huggingface/tokenizers";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { tokenizerFromJson } from "../../src/tokenizers/index.js";
import { load, nastyText } from "./helpers.js";

/** A minimal tokenizer.json around a model, whitespace-split, no decoder unless given. */
function tiny(model: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { added_tokens: [], normalizer: null, pre_tokenizer: { type: "WhitespaceSplit" }, post_processor: null, decoder: null, model, ...extra };
}
const NO_CLEANUP = { clean_up_tokenization_spaces: false };

describe("BPE options", () => {
  const vocab = { a: 0, b: 1, c: 2, ab: 3, abc: 4, bc: 5, "<unk>": 6 };
  const bpe = (o: object): Record<string, unknown> => ({ type: "BPE", vocab, merges: ["b c", "a b", "ab c"], unk_token: "<unk>", ...o });

  it("applies merges by rank; ignore_merges takes a whole word found in the vocab", () => {
    expect(tokenizerFromJson(tiny(bpe({}))).encode("abc")).toEqual([0, 5]);
    expect(tokenizerFromJson(tiny(bpe({ ignore_merges: true }))).encode("abc cab")).toEqual([4, 2, 3]);
  });

  it("unknown characters: unk, fused or not; dropped without an unk token", () => {
    expect(tokenizerFromJson(tiny(bpe({ fuse_unk: false }))).encode("axyb")).toEqual([0, 6, 6, 1]);
    expect(tokenizerFromJson(tiny(bpe({ fuse_unk: true }))).encode("axyb")).toEqual([0, 6, 1]);
    expect(tokenizerFromJson(tiny(bpe({ unk_token: null }))).encode("axyb")).toEqual([0, 1]);
  });

  it("byte_fallback uses <0xAB> tokens only when every byte of the character has one", () => {
    const v = { ...vocab, "<0xC3>": 7, "<0xA9>": 8, "<0xE5>": 9 };
    const t = tokenizerFromJson(tiny({ type: "BPE", vocab: v, merges: [], unk_token: "<unk>", byte_fallback: true }, { decoder: { type: "ByteFallback" } }), NO_CLEANUP);
    expect(t.encode("é字")).toEqual([7, 8, 6]);
    expect(t.decode([7, 8])).toBe("é");
  });

  it("continuing_subword_prefix and end_of_word_suffix", () => {
    const prefixed = tokenizerFromJson(tiny({ type: "BPE", vocab: { a: 0, "##b": 1, "##c": 2, ab: 3 }, merges: ["a ##b"], continuing_subword_prefix: "##" }));
    expect(prefixed.tokenize("abc")).toEqual(["ab", "##c"]);
    const suffixed = tiny({ type: "BPE", vocab: { a: 0, "b</w>": 1, "ab</w>": 2, "a</w>": 3 }, merges: ["a b</w>"], end_of_word_suffix: "</w>" }, { decoder: { type: "BPEDecoder", suffix: "</w>" } });
    const ours = tokenizerFromJson(suffixed, NO_CLEANUP);
    const oracle = new Oracle(suffixed, NO_CLEANUP);
    expect(ours.encode("ab a ab")).toEqual([2, 3, 2]);
    expect(ours.encode("ab a ab")).toEqual(oracle.encode("ab a ab").ids);
    expect(ours.decode([2, 3, 2])).toBe(oracle.decode([2, 3, 2]));
  });
});

describe("added tokens", () => {
  // The story file (small, quick to build) with its added tokens matched in the raw text.
  const story = load("story").json;
  const withFlags = (flags: Record<string, object>, extra: Array<{ content: string; [k: string]: unknown }> = []): Record<string, unknown> => ({
    ...story,
    added_tokens: [...(story["added_tokens"] as Array<{ content: string }>), ...extra].map((t) => ({ ...t, normalized: false, ...(flags[t.content] ?? {}) })),
  });
  const START = 1;
  const END = 2;

  it("lstrip / rstrip eat the neighbouring whitespace, as @huggingface/tokenizers does", () => {
    const json = withFlags({ "<|start_story|>": { lstrip: true }, "<|end_story|>": { rstrip: true } });
    const ours = tokenizerFromJson(json, NO_CLEANUP);
    const oracle = new Oracle(json, NO_CLEANUP);
    const text = "a  <|start_story|>  b<|end_story|>\n c";
    expect(ours.encode(text)).toEqual(oracle.encode(text).ids);
    expect(ours.encode(text)).toEqual([...ours.encode("a"), START, ...ours.encode("  b", { addSpecialTokens: false }), END, ...ours.encode("c", { addSpecialTokens: false })]);
    fc.assert(
      fc.property(nastyText, (s) => {
        expect(ours.encode(s)).toEqual(oracle.encode(s).ids);
      }),
      { numRuns: 100 },
    );
  });

  it("single_word only matches a token standing between non-word characters (Rust semantics)", () => {
    const ours = tokenizerFromJson(withFlags({ "<|end_story|>": { single_word: true } }), NO_CLEANUP);
    expect(ours.encode("x <|end_story|> y")).toContain(END);
    expect(ours.encode("x<|end_story|> y")).not.toContain(END);
    expect(ours.encode("x <|end_story|>y")).not.toContain(END);
    expect(ours.encode("<|end_story|>", { addSpecialTokens: false })).toEqual([END]);
  });

  it("longest match wins when added tokens overlap", () => {
    const ours = tokenizerFromJson(withFlags({}, [{ id: 2048, content: "<|start", special: false }]), NO_CLEANUP);
    expect(ours.encode("<|start_story|><|start", { addSpecialTokens: false })).toEqual([START, 2048]);
    expect(ours.vocabSize).toBe(2049);
    expect(ours.specialIds.has(2048)).toBe(false);
  });
});

describe("decoders", () => {
  const wl = (decoder: object): ReturnType<typeof tokenizerFromJson> =>
    tokenizerFromJson(tiny({ type: "WordLevel", vocab: { "<unk>": 0, "▁Hey": 1, "▁friend": 2, "##s": 3, "!": 4, " x ": 5 }, unk_token: "<unk>" }, { decoder }), NO_CLEANUP);

  it("Metaspace strips the first token's space unless prepend_scheme is never", () => {
    expect(wl({ type: "Metaspace", replacement: "▁", prepend_scheme: "always" }).decode([1, 2, 4])).toBe("Hey friend!");
    expect(wl({ type: "Metaspace", replacement: "▁", prepend_scheme: "never" }).decode([1, 2])).toBe(" Hey friend");
  });

  it("WordPiece glues ## pieces and spaces the rest", () => {
    expect(wl({ type: "WordPiece", prefix: "##", cleanup: true }).decode([1, 3, 4])).toBe("▁Heys!");
  });

  it("Strip, Replace with a regex, Sequence", () => {
    expect(wl({ type: "Strip", content: " ", start: 1, stop: 1 }).decode([5])).toBe("x");
    expect(wl({ type: "Sequence", decoders: [{ type: "Replace", pattern: { Regex: "▁+" }, content: "_" }, { type: "Fuse" }] }).decode([1, 2])).toBe("_Hey_friend");
  });

  it("no decoder: tokens joined by spaces, then transformers' clean-up if the config asks", () => {
    const json = tiny({ type: "WordLevel", vocab: { "<unk>": 0, Hi: 1, ",": 2, "you": 3, "!": 4 }, unk_token: "<unk>" });
    expect(tokenizerFromJson(json, NO_CLEANUP).decode([1, 2, 3, 4])).toBe("Hi , you !");
    expect(tokenizerFromJson(json, {}).decode([1, 2, 3, 4])).toBe("Hi, you!");
  });
});

describe("post-processors and tokenizer_config.json", () => {
  const story = load("story");
  const chat = load("chat-tokenizer");

  it("TemplateProcessing pair template, as the oracle", () => {
    expect(story.ours.encodePair("Once", "upon")).toEqual(story.oracle.encode("Once", { text_pair: "upon" }).ids);
    expect(story.ours.encodePair("Once", "upon", { addSpecialTokens: false })).toEqual(story.oracle.encode("Once", { text_pair: "upon", add_special_tokens: false }).ids);
  });

  it("Bert / Roberta processing", () => {
    const json = (type: string): Record<string, unknown> =>
      tiny({ type: "WordLevel", vocab: { "[UNK]": 0, "[CLS]": 1, "[SEP]": 2, a: 3, b: 4 }, unk_token: "[UNK]" }, { post_processor: { type, cls: ["[CLS]", 1], sep: ["[SEP]", 2] } });
    expect(tokenizerFromJson(json("BertProcessing")).encodePair("a", "b")).toEqual([1, 3, 2, 4, 2]);
    expect(tokenizerFromJson(json("RobertaProcessing")).encodePair("a", "b")).toEqual([1, 3, 2, 2, 4, 2]);
    expect(tokenizerFromJson(json("BertProcessing")).encode("a", { addSpecialTokens: false })).toEqual([3]);
  });

  it("BOS comes from the post-processor by default; from the config flags on request", () => {
    const storyCfg = { bos_token: "<|start_story|>", eos_token: "<|end_story|>" };
    expect(tokenizerFromJson(story.json, { ...storyCfg, add_bos_token: false }).encode("Hi")[0]).toBe(1);
    expect(tokenizerFromJson(story.json, { ...storyCfg, add_bos_token: false }, { specialTokensFrom: "config" }).encode("Hi")[0]).not.toBe(1);
    const chatCfg = { bos_token: "<s>", eos_token: "<|im_end|>", add_bos_token: true, add_eos_token: true };
    const ids = tokenizerFromJson(chat.json, chatCfg, { specialTokensFrom: "config" }).encode("Hi");
    expect([ids[0], ids[ids.length - 1]]).toEqual([1, 32000]);
    expect(chat.ours.encode("Hi")[0]).not.toBe(1);
    expect(chat.ours.addBosToken).toBe(false);
  });

  it("special tokens as strings or objects, special_tokens_map.json fallback, chat templates", () => {
    expect(chat.ours.bosToken).toBe("<s>");
    expect(chat.ours.eosToken).toBe("<|im_end|>");
    expect(chat.ours.eosId).toBe(32000);
    expect(chat.ours.padToken).toBe("</s>");
    expect(chat.ours.chatTemplate).toContain("<|im_start|>");
    const fromMap = tokenizerFromJson(story.json, {}, { specialTokensMap: { bos_token: { content: "<|start_story|>" }, eos_token: "<|end_story|>" } });
    expect([fromMap.bosId, fromMap.eosId]).toEqual([1, 2]);
    const templates = tokenizerFromJson(story.json, { chat_template: [{ name: "tool_use", template: "T" }, { name: "default", template: "D" }] });
    expect(templates.chatTemplate).toBe("D");
    expect(tokenizerFromJson(story.json).bosId).toBeUndefined();
  });
});
