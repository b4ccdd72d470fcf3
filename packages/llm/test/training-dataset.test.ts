/**
 * Dataset reading (JSON array, JSONL, text lines), validation errors naming file and entry, and
 * tokenization with loss masks (answers only for dialogues) and unknown-word counting.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildWordLevelTokenizer } from "../src/tokenizers/index.js";
import { DatasetError, parseTextDataset, readTextDataset, splitDialogue, tokenizeDataset } from "../src/training/index.js";

const dir = mkdtempSync(join(tmpdir(), "mini-dataset-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

const FACTS = ["The sun is hot </s>", "Water flows downhill </s>"];
const DIALOGUES = ["User: What is hot? Assistant: The sun is hot. </s>", "User: Hi! Assistant: Hello! </s>"];
const tok = buildWordLevelTokenizer([...FACTS, ...DIALOGUES]).tokenizer;

describe("reading", () => {
  it("reads a JSON array of strings, JSONL (strings or {text}) and text lines alike", () => {
    const a = readTextDataset(file("a.json", JSON.stringify(FACTS)));
    const b = readTextDataset(file("b.jsonl", `${JSON.stringify(FACTS[0])}\n\n{"text": ${JSON.stringify(FACTS[1])}}\n`));
    const c = readTextDataset(file("c.txt", `${FACTS[0]}\r\n  \n${FACTS[1]}\n`));
    for (const d of [a, b, c]) expect(d.entries.map((e) => e.text)).toEqual(FACTS);
    expect(a.entries.map((e) => e.where)).toEqual(["[0]", "[1]"]);
    expect(b.entries.map((e) => e.where)).toEqual([":1", ":3"]);
    expect(c.entries.map((e) => e.where)).toEqual([":1", ":3"]);
  });

  it.each([
    ["missing.json", null, /missing\.json: file not found/],
    ["bad.json", "[\"a\",", /bad\.json: malformed JSON/],
    ["obj.json", '{"a": 1}', /obj\.json: expected a JSON array of strings, got an object/],
    ["empty.json", "[]", /empty\.json: the dataset is empty/],
    ["nonstr.json", '["ok </s>", 42]', /nonstr\.json\[1\]: expected a string, got number 42/],
    ["blank.json", '["ok", "  "]', /blank\.json\[1\]: empty text/],
    ["badline.jsonl", '"ok"\n{oops\n', /badline\.jsonl:2: malformed JSON line/],
    ["empty.txt", "\n \n", /empty\.txt: the dataset is empty/],
  ])("%s: one DatasetError naming the file and entry", (name, content, pattern) => {
    const p = content === null ? join(dir, name) : file(name, content);
    let err: unknown;
    try {
      readTextDataset(p);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DatasetError);
    expect((err as Error).message).toMatch(pattern);
    expect((err as Error).message.split("\n")).toHaveLength(1);
  });
});

describe("tokenizing", () => {
  it("marks every token but the first as a target for plain text", () => {
    const d = tokenizeDataset(parseTextDataset(JSON.stringify(FACTS), "f.json"), tok, { kind: "text", maxSeqLen: 80 });
    const ex = d.examples[0]!;
    expect(tok.decode(Array.from(ex.ids))).toBe("The sun is hot </s>");
    expect(Array.from(ex.lossMask)).toEqual([0, 1, 1, 1, 1]);
    expect(d.totalTokens).toBe(5 + 4);
  });

  it("marks only the answer (after 'Assistant:', up to and including </s>) for dialogues", () => {
    const d = tokenizeDataset(parseTextDataset(JSON.stringify(DIALOGUES), "c.json"), tok, { kind: "dialogue", maxSeqLen: 80 });
    const ex = d.examples[0]!;
    const prompt = tok.encode("User: What is hot? Assistant:", { addSpecialTokens: false });
    expect(ex.promptLength).toBe(prompt.length);
    expect(Array.from(ex.ids.subarray(0, ex.promptLength))).toEqual(prompt);
    const answer = Array.from(ex.ids).filter((_, i) => ex.lossMask[i] === 1);
    expect(tok.decode(answer)).toBe("The sun is hot. </s>");
    expect(Array.from(ex.ids)).toEqual(tok.encode(DIALOGUES[0]!, { addSpecialTokens: false }));
  });

  it("appends </s> when missing (and not twice)", () => {
    const d = tokenizeDataset(parseTextDataset("The sun is hot\nWater flows downhill </s>\n", "t.txt"), tok, { kind: "text", maxSeqLen: 80 });
    expect(d.examples.map((e) => tok.decode(Array.from(e.ids)))).toEqual(FACTS);
  });

  it("counts words outside the vocabulary as <unk>", () => {
    const d = tokenizeDataset(parseTextDataset('["The moon is hot and bright </s>"]', "u.json"), tok, { kind: "text", maxSeqLen: 80 });
    expect(d.unknownTokens).toBe(3); // moon, and, bright
    expect(d.examples[0]!.ids[1]).toBe(tok.tokenToId("<unk>"));
  });

  it("rejects a dialogue without 'Assistant:' or with an empty answer, naming the entry", () => {
    const noMarker = parseTextDataset('["User: Hi! Assistant: Hello! </s>", "User: Hi! </s>"]', "c.json");
    expect(() => tokenizeDataset(noMarker, tok, { kind: "dialogue", maxSeqLen: 80 })).toThrow(/^c\.json\[1\]: dialogue has no "Assistant:"/);
    const empty = parseTextDataset('["User: Hi! Assistant: </s>"]', "c.json");
    expect(() => tokenizeDataset(empty, tok, { kind: "dialogue", maxSeqLen: 80 })).toThrow(/^c\.json\[0\]: dialogue has an empty answer/);
  });

  it("rejects a row longer than the context, naming the entry and both lengths", () => {
    const d = parseTextDataset(JSON.stringify(FACTS), "f.json");
    expect(() => tokenizeDataset(d, tok, { kind: "text", maxSeqLen: 4 })).toThrow(/^f\.json\[0\]: text is 5 tokens long; the maximum sequence length is 4/);
  });

  it("splits a dialogue at the first marker", () => {
    expect(splitDialogue("User: a Assistant: b Assistant: c")).toEqual({ prompt: "User: a Assistant:", answer: " b Assistant: c" });
    expect(splitDialogue("no marker")).toBeNull();
  });
});
