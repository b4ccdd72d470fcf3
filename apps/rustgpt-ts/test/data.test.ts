/**
 * The app's own training data: enough facts and dialogues, RustGPT's format, unique questions
 * (so exact match is well defined), the README's questions and greetings, and every row fits the
 * 80-token context.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildWordLevelTokenizer } from "@mini/llm/tokenizers";
import { readTextDataset, splitDialogue, tokenizeDataset } from "@mini/llm/training";
import { APP_DIR } from "../src/cli.js";

const facts = readTextDataset(join(APP_DIR, "data/pretraining.json"));
const chat = readTextDataset(join(APP_DIR, "data/chat.json"));
const texts = (d: typeof facts) => d.entries.map((e) => e.text);

describe("app data", () => {
  it("has at least 100 facts and 100 dialogues in RustGPT's format", () => {
    expect(facts.entries.length).toBeGreaterThanOrEqual(100);
    expect(chat.entries.length).toBeGreaterThanOrEqual(100);
    for (const t of [...texts(facts), ...texts(chat)]) expect(t).toMatch(/\S <\/s>$/);
    for (const t of texts(chat)) expect(t).toMatch(/^User: .+ Assistant: .+ <\/s>$/);
    for (const t of texts(facts)) expect(t).not.toContain("Assistant:");
  });

  it("has unique questions, RustGPT's README questions and greetings", () => {
    const questions = texts(chat).map((t) => splitDialogue(t)!.prompt);
    expect(new Set(questions).size).toBe(questions.length);
    expect(questions).toContain("User: How do mountains form? Assistant:");
    expect(questions).toContain("User: What causes rain? Assistant:");
    expect(questions.filter((q) => /^User: (Hello|Hi|Hey|Good (morning|afternoon|evening))\b/.test(q)).length).toBeGreaterThanOrEqual(4);
    const multiSentence = texts(chat).filter((t) => (splitDialogue(t)!.answer.match(/[.!?] [A-Z]/g) ?? []).length >= 1);
    expect(multiSentence.length).toBeGreaterThanOrEqual(3);
  });

  it("fits every row in the 80-token context", () => {
    const tok = buildWordLevelTokenizer([...texts(facts), ...texts(chat)]).tokenizer;
    const f = tokenizeDataset(facts, tok, { kind: "text", maxSeqLen: 80 });
    const c = tokenizeDataset(chat, tok, { kind: "dialogue", maxSeqLen: 80 });
    expect(f.unknownTokens + c.unknownTokens).toBe(0);
    expect(Math.max(...c.examples.map((e) => e.ids.length))).toBeLessThanOrEqual(48);
  });
});
