/**
 * shared/reference/story fixtures: prompt_ids were made by @huggingface/tokenizers with the
 * post-processor adding BOS (<|start_story|> = 1); the texts by decode(…, skip_special_tokens).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { StreamDecoder } from "../../src/tokenizers/index.js";
import { load, REFERENCE } from "./helpers.js";

interface Fixture {
  prompt: string;
  prompt_ids: number[];
  prompt_tokens: string[];
  bos_id: number;
  eos_id: number;
  greedy: {
    ids: number[];
    continuation_text: string;
    continuation_decoded_alone: string;
    full_text: string;
    full_text_with_special_tokens: string;
  };
}

const fixtures = [1, 2, 3, 4].map((i) => JSON.parse(readFileSync(`${REFERENCE}/story/prompt_0${i}.json`, "utf8")) as Fixture);

describe("story reference fixtures", () => {
  const tok = load("story").ours;

  it("knows BOS and EOS", () => {
    expect(tok.bosId).toBe(fixtures[0]!.bos_id);
    expect(tok.eosId).toBe(fixtures[0]!.eos_id);
    expect(tok.addBosToken).toBe(true);
  });

  it.each(fixtures.map((f) => [f.prompt, f] as const))("encodes %j to prompt_ids (BOS included)", (_, f) => {
    expect(tok.encode(f.prompt)).toEqual(f.prompt_ids);
    expect(tok.tokenize(f.prompt)).toEqual(f.prompt_tokens);
    expect(tok.encode(f.prompt, { addSpecialTokens: false })).toEqual(f.prompt_ids.slice(1));
  });

  it.each(fixtures.map((f) => [f.prompt, f] as const))("decodes the greedy continuation of %j", (_, f) => {
    const all = [...f.prompt_ids, ...f.greedy.ids];
    expect(tok.decode(all, { skipSpecialTokens: true })).toBe(f.greedy.full_text);
    expect(tok.decode(all)).toBe(f.greedy.full_text_with_special_tokens);
    expect(tok.decode(f.greedy.ids)).toBe(f.greedy.continuation_decoded_alone);
    const before = tok.decode(f.prompt_ids, { skipSpecialTokens: true });
    expect(tok.decode(all, { skipSpecialTokens: true }).slice(before.length)).toBe(f.greedy.continuation_text);
  });

  it.each(fixtures.map((f) => [f.prompt, f] as const))("streams %j + continuation to the same text", (_, f) => {
    const stream = new StreamDecoder(tok, { skipSpecialTokens: true });
    const chunks = [...f.prompt_ids, ...f.greedy.ids].map((id) => stream.push(id));
    expect(chunks.join("") + stream.flush()).toBe(f.greedy.full_text);
  });
});
