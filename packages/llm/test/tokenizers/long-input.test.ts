/**
 * Inputs far longer than any context: encoding must not overflow the stack (the post-processor
 * once spread every id as a call argument: a 10,000-message chat crashed the server with a 500).
 */
import { describe, expect, it } from "vitest";
import { loadTokenizer } from "../../src/tokenizers/index.js";

const SHARED = process.env["MINI_SHARED"]!;

describe("very long inputs", () => {
  it("encodes 200,000 tokens with and without special tokens", async () => {
    const tokenizer = await loadTokenizer(`${SHARED}/models/story`);
    const text = "hi. ".repeat(100_000);
    const plain = tokenizer.encode(text, { addSpecialTokens: false });
    expect(plain.length).toBeGreaterThan(150_000);
    const withBos = tokenizer.encode(text);
    expect(withBos.length).toBe(plain.length + 1);
    expect(withBos.slice(1, 100)).toEqual(plain.slice(0, 99));
  });
});
