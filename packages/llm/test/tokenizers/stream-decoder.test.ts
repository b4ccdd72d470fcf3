/**
 * StreamDecoder: the chunks it returns always add up to decode(allIds), and it never returns
 * half a character (a U+FFFD standing for bytes that were still to come).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildWordLevelTokenizer, StreamDecoder, tokenizerFromJson, type Tokenizer } from "../../src/tokenizers/index.js";
import { ids, load } from "./helpers.js";

const RUNS = 200;

/** Streams `list`; checks every chunk against the full decode at its place. */
function streamAndCheck(tok: Tokenizer, list: number[], skipSpecialTokens: boolean): void {
  const stream = new StreamDecoder(tok, { skipSpecialTokens });
  const full = tok.decode(list, { skipSpecialTokens });
  let text = "";
  list.forEach((id, i) => {
    const chunk = stream.push(id);
    text += chunk;
    // Whatever was emitted is final: a prefix of the full decode…
    expect(full.startsWith(text)).toBe(true);
    // …and of the decode of the ids so far, except possibly for what is still held back.
    expect(tok.decode(list.slice(0, i + 1), { skipSpecialTokens }).startsWith(text)).toBe(true);
  });
  text += stream.flush();
  expect(text).toBe(full);
  expect(stream.mismatches).toBe(0);
}

describe.each(["story", "chat-tokenizer"] as const)("StreamDecoder on the %s tokenizer", (name) => {
  const tok = load(name).ours;

  it("concatenated chunks equal decode(ids) for random ids (byte-fallback runs included)", () => {
    fc.assert(
      fc.property(ids(tok), fc.boolean(), (list, skip) => streamAndCheck(tok, list, skip)),
      { numRuns: RUNS },
    );
  });

  it("keeps up over long streams (the window moves)", () => {
    fc.assert(
      fc.property(fc.array(ids(tok), { minLength: 4, maxLength: 8 }), fc.boolean(), (lists, skip) => streamAndCheck(tok, lists.flat(), skip)),
      { numRuns: 20 },
    );
  });

  it("streams the encoding of a text back to the text", () => {
    const text = "Once upon a time, Lily said: \"字 😀 ok!\"\n  The end.";
    const list = tok.encode(text);
    streamAndCheck(tok, list, true);
    streamAndCheck(tok, list, false);
  });
});

describe("StreamDecoder, byte by byte", () => {
  const tok = load("chat-tokenizer").ours;
  const byte = (b: number): number => tok.tokenToId(`<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`)!;

  it("holds a character back until its last byte arrives, then emits it whole", () => {
    const stream = new StreamDecoder(tok);
    const hello = tok.encode("Hi", { addSpecialTokens: false });
    expect(hello.map((id) => stream.push(id)).join("")).toBe("Hi");
    // 😀 = F0 9F 98 80
    expect(stream.push(byte(0xf0))).toBe("");
    expect(stream.push(byte(0x9f))).toBe("");
    expect(stream.push(byte(0x98))).toBe("");
    expect(stream.push(byte(0x80))).toBe("😀");
  });

  it("lets a U+FFFD through once it is certain (an invalid byte followed by text)", () => {
    const stream = new StreamDecoder(tok);
    expect(stream.push(byte(0xff))).toBe("");
    const rest = tok.encode("ok", { addSpecialTokens: false }).map((id) => stream.push(id)).join("");
    expect(rest).toBe("\uFFFD ok");
    expect(tok.decode([byte(0xff), ...tok.encode("ok")])).toBe("\uFFFD ok");
  });

  it("flush returns a dangling partial character as U+FFFD, like decode does", () => {
    const stream = new StreamDecoder(tok);
    expect(stream.push(byte(0xe5))).toBe("");
    expect(stream.flush()).toBe(tok.decode([byte(0xe5)]));
    expect(stream.flush()).toBe("");
  });
});

describe("StreamDecoder on word-level text (a later token can change earlier text)", () => {
  const { tokenizer, json, config } = buildWordLevelTokenizer(["Hello , world ! I do n't know . it ' s 27 . 3 - ( a ) / b : c ; </s>"]);
  const randomIds = fc.array(fc.integer({ min: 0, max: tokenizer.vocabSize - 1 }), { maxLength: 60 });

  it("a tokenizer.json without decoder streams word by word", () => {
    const plain = tokenizerFromJson({ ...json, decoder: null }, config);
    const stream = new StreamDecoder(plain);
    expect(plain.encode("Hello , world").map((id) => stream.push(id))).toEqual(["Hello", " ,", " world"]);
    fc.assert(fc.property(randomIds, fc.boolean(), (list, skip) => streamAndCheck(plain, list, skip)), { numRuns: 100 });
  });

  it("the word-level decoder: holds back the last word, so ' + s can still become 's", () => {
    expect(tokenizer.decodeRevisesLastWord).toBe(true);
    const stream = new StreamDecoder(tokenizer);
    expect(tokenizer.encode("Hello, it's world").map((id) => stream.push(id))).toEqual(["", "", "Hello,", " it", "", "'s"]);
    expect(stream.flush()).toBe(" world");
    fc.assert(fc.property(randomIds, fc.boolean(), (list, skip) => streamAndCheck(tokenizer, list, skip)), { numRuns: 200 });
    fc.assert(
      fc.property(fc.array(randomIds, { minLength: 2, maxLength: 4 }), (lists) => streamAndCheck(tokenizer, lists.flat(), true)),
      { numRuns: 30 },
    );
  });

  it("transformers' clean-up on top (clean_up_tokenization_spaces) streams right too", () => {
    const cleaning = tokenizerFromJson({ ...json, decoder: null }, { ...config, clean_up_tokenization_spaces: true });
    expect(cleaning.decode(tokenizer.encode("Hello , world !"))).toBe("Hello, world!");
    // The clean-up rules chain: " ' " → "'" and then " n't" → "n't" reach two spaces back.
    expect(cleaning.decode(tokenizer.encode("zzz n ' t"))).toBe("<unk>n't");
    streamAndCheck(cleaning, tokenizer.encode("zzz n ' t"), false);
    fc.assert(fc.property(randomIds, fc.boolean(), (list, skip) => streamAndCheck(cleaning, list, skip)), { numRuns: 100 });
  });
});
