/**
 * The RustGPT-style word-level tokenizer: vocabulary of RustGPT's own data, unknown words, and
 * its tokenizer.json read back by us and by @huggingface/tokenizers.
 */
import { readFileSync } from "node:fs";
import { Tokenizer as Oracle } from "@huggingface/tokenizers";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildWordLevelTokenizer, rustGptVocabulary, splitWords, tokenizerFromJson } from "../../src/tokenizers/index.js";
import { nastyText } from "./helpers.js";
// ../shared beside the checkout (vitest.shared.ts sets MINI_SHARED from the repo root).
const SHARED = process.env["MINI_SHARED"]!;

const DATA = `${SHARED}/data/rustgpt`;
const texts = [
  ...(JSON.parse(readFileSync(`${DATA}/pretraining_data.json`, "utf8")) as string[]),
  ...(JSON.parse(readFileSync(`${DATA}/chat_training_data.json`, "utf8")) as string[]),
];

/** RustGPT's own vocabulary rule (src/vocab.rs process_text_for_vocab), for comparison. */
function rustGptVocab(data: string[]): Set<string> {
  const set = new Set(["</s>"]);
  for (const t of data) {
    for (const word of t.split(/\p{White_Space}+/u)) {
      let cur = "";
      for (const c of word) {
        if (/[!-/:-@[-`{-~]/.test(c)) {
          if (cur) set.add(cur);
          set.add(c);
          cur = "";
        } else cur += c;
      }
      if (cur) set.add(cur);
    }
  }
  return set;
}

describe("buildWordLevelTokenizer on RustGPT's data", () => {
  const build = buildWordLevelTokenizer(texts);
  const { tokenizer, json, config, vocab } = build;

  it("has RustGPT's vocabulary, minus the pieces of </s>, plus <unk> and <pad>", () => {
    const rust = rustGptVocab(texts);
    // RustGPT reports 533: its rule also adds "<", "/", ">" from the "</s>" of every line
    // (the "s" is a word of its own elsewhere too). We keep "</s>" whole and add 2 specials.
    expect(rust.size).toBe(533);
    const pieces = ["<", "/", ">"].filter((c) => !vocab.includes(c));
    expect(pieces).toEqual(["<", "/", ">"]);
    expect(vocab.length).toBe(533 - 3 + 2);
    expect(tokenizer.vocabSize).toBe(532);
    expect(new Set(vocab)).toEqual(new Set([...[...rust].filter((w) => !["<", "/", ">"].includes(w)), "<unk>", "<pad>"]));
    // The exported count the app explains itself with.
    expect(rustGptVocabulary(texts)).toEqual([...rust].sort());
  });

  it("puts the specials first, then the words sorted case-sensitively", () => {
    expect(vocab.slice(0, 3)).toEqual(["<unk>", "<pad>", "</s>"]);
    const words = vocab.slice(3);
    expect(words).toEqual([...words].sort());
    expect(words.indexOf("Earth")).toBeLessThan(words.indexOf("earth"));
    expect(tokenizer.eosId).toBe(2);
    expect([...tokenizer.specialIds]).toEqual([0, 1, 2]);
  });

  it("splits punctuation off words and keeps </s> whole", () => {
    const ids = tokenizer.encode("User: Hello! How's the world? </s>");
    expect(ids.map((i) => tokenizer.idToToken(i))).toEqual(["User", ":", "Hello", "!", "How", "'", "s", "the", "world", "?", "</s>"]);
    expect(tokenizer.decode(ids)).toBe("User: Hello! How's the world? </s>");
    expect(tokenizer.decode(ids, { skipSpecialTokens: true })).toBe("User: Hello! How's the world?");
    expect(splitWords("a,,b!!</s>end</s>")).toEqual(["a", ",", ",", "b", "!", "!", "</s>", "end", "</s>"]);
  });

  it("encodes every training text without an unknown word", () => {
    for (const t of texts) {
      expect(tokenizer.encode(t)).not.toContain(0);
      expect(build.countUnknown(t)).toBe(0);
    }
  });

  it("maps unknown words to <unk> and counts them", () => {
    const ids = tokenizer.encode("The zebra fly over Earth, quux!");
    expect(ids.map((i) => tokenizer.idToToken(i))).toEqual(["The", "<unk>", "fly", "over", "Earth", ",", "<unk>", "!"]);
    expect(build.unknownWords("The zebra fly over Earth, quux!")).toEqual(["zebra", "quux"]);
    expect(build.countUnknown("The zebra fly over Earth, quux!")).toBe(2);
  });

  it("encodes exactly as splitWords + vocabulary lookup", () => {
    fc.assert(
      fc.property(nastyText, (s) => {
        const expected = splitWords(s).map((w) => tokenizer.tokenToId(w) ?? 0);
        expect(tokenizer.encode(s)).toEqual(expected);
      }),
      { numRuns: 200 },
    );
  });

  it("round-trips through its tokenizer.json", () => {
    const again = tokenizerFromJson(JSON.parse(JSON.stringify(json)), JSON.parse(JSON.stringify(config)));
    for (const t of texts) expect(again.encode(t)).toEqual(tokenizer.encode(t));
    fc.assert(
      fc.property(nastyText, (s) => {
        expect(again.encode(s)).toEqual(tokenizer.encode(s));
      }),
      { numRuns: 200 },
    );
  });

  it("is read identically by @huggingface/tokenizers (given the tokenizer_config.json)", () => {
    // The oracle has no WordLevel model: it falls back to its "Legacy" model, which looks
    // words up whole and takes the unk token from tokenizer_config.json. The result is the same.
    const oracle = new Oracle(JSON.parse(JSON.stringify(json)), JSON.parse(JSON.stringify(config)));
    for (const t of texts) {
      expect(tokenizer.encode(t)).toEqual(oracle.encode(t).ids);
      expect(tokenizer.decode(tokenizer.encode(t))).toBe(oracle.decode(oracle.encode(t).ids));
    }
    fc.assert(
      // U+0085 and U+FEFF: JavaScript's \s and Unicode White_Space (Rust's split) disagree on them.
      fc.property(nastyText.filter((s) => !/[\u0085\uFEFF]/.test(s)), (s) => {
        const ids = tokenizer.encode(s);
        expect(ids).toEqual(oracle.encode(s).ids);
        if (ids.length > 0) expect(tokenizer.decode(ids)).toBe(oracle.decode(ids));
      }),
      { numRuns: 200 },
    );
  });
});

describe("decoding word-level tokens back to written text", () => {
  const appTexts = ["pretraining.json", "chat.json"].flatMap(
    (f) => JSON.parse(readFileSync(new URL(`../../../../apps/rustgpt-ts/data/${f}`, import.meta.url), "utf8")) as string[],
  );

  it.each([
    ["RustGPT's data", texts],
    ["the app's data", appTexts],
  ])("gives back every text of %s exactly, as the oracle does", (_name, data) => {
    const { tokenizer, json, config } = buildWordLevelTokenizer(data);
    const oracle = new Oracle(JSON.parse(JSON.stringify(json)), JSON.parse(JSON.stringify(config)));
    for (const t of data) {
      const ids = tokenizer.encode(t);
      expect(tokenizer.decode(ids)).toBe(t);
      expect(oracle.decode(ids)).toBe(t);
    }
  });

  it.each([
    ["Hello! How can I help you today?", "Hello! How can I help you today?"],
    ["I'm fine, don't worry: it's 27.3 days (about a month); 299,792 km/s.", "I'm fine, don't worry: it's 27.3 days (about a month); 299,792 km/s."],
    ["Gasoline-powered cars; you're right, we'd go.", "Gasoline-powered cars; you're right, we'd go."],
    // What the rules cannot know: a spaced dash, quote marks, a list of numbers after a comma.
    ["It is big - really big.", "It is big-really big."],
    ["He said 'no' and \"yes\".", "He said ' no ' and \" yes \"."],
    ["In 1990, 250 people came.", "In 1990,250 people came."],
  ])("%j decodes as %j", (text, expected) => {
    const { tokenizer } = buildWordLevelTokenizer([text]);
    expect(tokenizer.decode(tokenizer.encode(text))).toBe(expected);
  });

  it("re-encodes any decoded ids to the same ids (spaces only go next to punctuation)", () => {
    const { tokenizer } = buildWordLevelTokenizer([...texts, "' - / : ; ( ) . , # < > \" s t 27 3"]);
    const id = fc.integer({ min: 0, max: tokenizer.vocabSize - 1 });
    // Punctuation and digits often, so the joining rules fire.
    const marks = ["'", "-", "/", ":", ";", "(", ")", ".", ",", "s", "t", "27", "3", "#", "<", ">", '"'].map((w) => tokenizer.tokenToId(w)!);
    fc.assert(
      fc.property(fc.array(fc.oneof(id, fc.constantFrom(...marks)), { maxLength: 30 }), (ids) => {
        expect(tokenizer.encode(tokenizer.decode(ids))).toEqual(ids);
      }),
      { numRuns: 300 },
    );
  });

  it("refuses an extra special token starting with the decoder's ## prefix", () => {
    expect(() => buildWordLevelTokenizer(["a b"], { extraSpecialTokens: ["##sep"] })).toThrow(/"##sep" starts with "##"/);
    expect(buildWordLevelTokenizer(["a # # b"]).tokenizer.decode(buildWordLevelTokenizer(["a # # b"]).tokenizer.encode("a ## b"))).toBe("a # # b");
  });
});
