import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ContinuationDecoder } from "../src/continuation-decoder.js";
import { loadTokenizerSync } from "../src/tokenizers/index.js";
// ../shared beside the checkout (vitest.shared.ts sets MINI_SHARED from the repo root).
const SHARED = process.env["MINI_SHARED"]!;

const STORY = `${SHARED}/models/story`;
const CHAT_TOKENIZER = `${SHARED}/models/chat-tokenizer`;

interface Fixture {
  prompt_ids: number[];
  greedy: { ids: number[]; continuation_text: string; continuation_decoded_alone: string };
}

function streamed(d: ContinuationDecoder, ids: readonly number[]): string[] {
  const pieces = ids.map((id) => d.push(id));
  pieces.push(d.flush());
  return pieces;
}

describe("ContinuationDecoder", () => {
  const story = loadTokenizerSync(STORY);

  it.each([1, 2, 3, 4])("streams story fixture %i's greedy ids as the text reads after the prompt", (i) => {
    const f = JSON.parse(readFileSync(`${SHARED}/reference/story/prompt_0${i}.json`, "utf8")) as Fixture;
    const pieces = streamed(new ContinuationDecoder(story, f.prompt_ids), f.greedy.ids);
    expect(pieces.join("")).toBe(f.greedy.continuation_text);
    // Text comes out as it is produced, not all at the end.
    expect(pieces.filter((p) => p !== "").length).toBeGreaterThan(f.greedy.ids.length / 2);
  });

  it("holds back split UTF-8 (byte-fallback) and never repeats prompt text", () => {
    const chat = loadTokenizerSync(CHAT_TOKENIZER);
    const text = "Le café coûte 3 € — 東京で会いましょう 🙂 ok";
    const ids = chat.encode(text, { addSpecialTokens: false });
    const full = chat.decode(ids, { skipSpecialTokens: true });
    let checked = 0;
    for (let k = 1; k < ids.length; k++) {
      const prompt = ids.slice(0, k);
      const promptText = chat.decode(prompt, { skipSpecialTokens: true });
      // Only cut where the prompt is whole text (an encoded string always is).
      if (!full.startsWith(promptText) || promptText.includes("\uFFFD")) continue;
      const pieces = streamed(new ContinuationDecoder(chat, prompt), ids.slice(k));
      expect(pieces.join("")).toBe(full.slice(promptText.length));
      for (const p of pieces) expect(p).not.toContain("\uFFFD");
      checked++;
    }
    expect(checked).toBeGreaterThan(10);
  });
});
