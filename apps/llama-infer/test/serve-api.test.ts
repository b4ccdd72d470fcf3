/**
 * `llama-infer serve` through the official `openai` client: chat completions and completions,
 * whole and streamed, equal to a solitary `generate` (and to the `generate` command) at
 * temperature 0; prefix reuse across turns, rollback on regenerate, interleaved conversations.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadTokenizer, ChatTemplate } from "@mini/llm";
import { loadModelDir } from "@mini/llm/models";
import { encodeChat } from "@mini/llm/serving";
import { synthesizeModelDir } from "@mini/llm/testing";
import { runCli } from "../src/cli.js";
import { assistant, loadStory, referenceChat, referenceCompletion, serve, STORY, user, type Message, type Story, type TestServer } from "./serve-helpers.js";
// ../shared beside the checkout (vitest.shared.ts sets MINI_SHARED from the repo root).
const SHARED = process.env["MINI_SHARED"]!;

let story: Story;
let server: TestServer;

beforeAll(async () => {
  story = await loadStory();
  server = await serve(story, { maxSessions: 4 });
});
afterAll(() => server.close());

const MAX = 30;

/** The rendered turn-1 conversation with its answer, as far as it tokenizes like turn 2's prompt. */
function reusablePrefix(s: Pick<Story, "template" | "tokenizer">, turn1WithAnswer: Parameters<typeof encodeChat>[2], turn2: Parameters<typeof encodeChat>[2]): number {
  const a = encodeChat(s.template, s.tokenizer, turn1WithAnswer, false);
  const b = encodeChat(s.template, s.tokenizer, turn2, true);
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

/**
 * What turn 2 found of turn 1: what was computed (its prompt and answer ids, the last one only if
 * an end-of-sequence id followed it), as far as the re-rendered conversation has the same ids.
 */
function expectTurnReuse(cached: number, reusable: number, u1: { prompt_tokens: number; completion_tokens: number }): void {
  // After an answer the server feeds the conversation as it will come back (the answer
  // re-tokenized, the end of turn), before [DONE]: all of it is found.
  expect(cached).toBe(reusable);
  expect(cached).toBeGreaterThan(u1.prompt_tokens);
}

/** Usage of a greedy turn (cached on the server: costs one step). */
async function usageOf(messages: Message[]): Promise<{ prompt_tokens: number; completion_tokens: number }> {
  const r = await server.client.chat.completions.create({ model: "story", messages, temperature: 0, max_tokens: MAX });
  return r.usage!;
}

describe("OpenAI client against llama-infer serve (story model)", () => {
  it("chat completion, whole: the greedy text of a solitary generate, with usage", async () => {
    const messages = [user("Tell me a story about a brave mouse.")];
    const r = await server.client.chat.completions.create({ model: "story", messages, temperature: 0, max_tokens: MAX });
    expect(r.object).toBe("chat.completion");
    expect(r.model).toBe("story");
    expect(r.choices[0]!.message.role).toBe("assistant");
    expect(r.choices[0]!.message.content).toBe(referenceChat(story, messages, MAX));
    expect(["stop", "length"]).toContain(r.choices[0]!.finish_reason);
    const prompt = encodeChat(story.template, story.tokenizer, messages, true).length;
    expect(r.usage).toMatchObject({ prompt_tokens: prompt, total_tokens: prompt + r.usage!.completion_tokens });
    expect(r.usage!.completion_tokens).toBeGreaterThan(0);
    expect((r.usage as unknown as { prompt_tokens_cached: number }).prompt_tokens_cached).toBe(0);
  });

  it("chat completion, streamed: a role chunk, content deltas, a finish chunk, usage on request", async () => {
    const messages = [user("Tell me a story about a sleepy bear.")];
    const stream = await server.client.chat.completions.create({
      model: "story",
      messages,
      temperature: 0,
      max_tokens: MAX,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const c of stream) chunks.push(c);
    expect(chunks[0]!.object).toBe("chat.completion.chunk");
    expect(chunks[0]!.choices[0]!.delta.role).toBe("assistant");
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? "").join("");
    expect(text).toBe(referenceChat(story, messages, MAX));
    expect(chunks.filter((c) => (c.choices[0]?.delta.content ?? "") !== "").length).toBeGreaterThan(3);
    const finish = chunks.filter((c) => c.choices[0]?.finish_reason);
    expect(finish.length).toBe(1);
    expect(chunks.at(-1)!.choices).toEqual([]);
    expect(chunks.at(-1)!.usage!.completion_tokens).toBeGreaterThan(0);
    // One id for the whole stream.
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
  });

  it("completion, whole and streamed: equal to `llama-infer generate --temperature 0`", async () => {
    const prompt = "Once upon a time, there was a little girl named Lily.";
    let stdout = "";
    const code = await runCli(["generate", "--model", STORY, "--prompt", prompt, "--temperature", "0", "--max-new-tokens", String(MAX), "--no-echo"], {
      stdout: { write: (s: string) => (stdout += s) },
      stderr: { write: () => true },
      stdin: Readable.from([""]),
      interactive: false,
    });
    expect(code).toBe(0);
    const cli = stdout.replace(/\n$/, "");
    expect(cli).toBe(referenceCompletion(story, prompt, MAX));
    const whole = await server.client.completions.create({ model: "story", prompt, temperature: 0, max_tokens: MAX });
    expect(whole.object).toBe("text_completion");
    expect(whole.choices[0]!.text).toBe(cli);
    expect(whole.usage!.prompt_tokens).toBe(story.tokenizer.encode(prompt).length);
    const stream = await server.client.completions.create({ model: "story", prompt, temperature: 0, max_tokens: MAX, stream: true });
    let text = "";
    let finish: string | null = null;
    for await (const c of stream) {
      text += c.choices[0]!.text;
      finish = c.choices[0]!.finish_reason ?? finish;
    }
    expect(text).toBe(cli);
    expect(finish).toBe(whole.choices[0]!.finish_reason);
  });

  it("stop strings cut the output (finish_reason stop); the same seed gives the same sample", async () => {
    const base = { model: "story", prompt: "Once upon a time", temperature: 0.9, seed: 7, max_tokens: 40 };
    const a = await server.client.completions.create(base);
    const b = await server.client.completions.create(base);
    expect(b.choices[0]!.text).toBe(a.choices[0]!.text);
    const full = a.choices[0]!.text;
    const stop = full.slice(12, 15);
    const cut = await server.client.completions.create({ ...base, stop: [stop], stream: true });
    let text = "";
    let finish = null;
    for await (const c of cut) {
      text += c.choices[0]!.text;
      finish = c.choices[0]!.finish_reason ?? finish;
    }
    expect(text).toBe(full.slice(0, full.indexOf(stop)));
    expect(finish).toBe("stop");
  });

  it("turn 2 reuses turn 1 from the cache (prompt_tokens_cached = the reusable prefix) and answers as a fresh run", async () => {
    const turn1 = [user("Tell me a story about a green turtle.")];
    const r1 = await server.client.chat.completions.create({ model: "story", messages: turn1, temperature: 0, max_tokens: MAX });
    const answer1 = r1.choices[0]!.message.content!;
    const turn2 = [...turn1, assistant(answer1), user("What did the turtle find?")];
    const r2 = await server.client.chat.completions.create({ model: "story", messages: turn2, temperature: 0, max_tokens: MAX });
    const cached = (r2.usage as unknown as { prompt_tokens_cached: number }).prompt_tokens_cached;
    expectTurnReuse(cached, reusablePrefix(story, [...turn1, assistant(answer1)], turn2), r1.usage!);
    expect(cached).toBeGreaterThanOrEqual(r1.usage!.prompt_tokens);
    expect(r2.usage!.prompt_tokens_details!.cached_tokens).toBe(cached);
    expect(r2.choices[0]!.message.content).toBe(referenceChat(story, turn2, MAX));

    // Regenerate turn 2: all but the last token of its prompt reused.
    const again = await server.client.chat.completions.create({ model: "story", messages: turn2, temperature: 0, max_tokens: MAX });
    expect((again.usage as unknown as { prompt_tokens_cached: number }).prompt_tokens_cached).toBe(r2.usage!.prompt_tokens - 1);
    expect(again.choices[0]!.message.content).toBe(r2.choices[0]!.message.content);
  });

  it("two conversations interleaved (streamed at the same time, two turns each) answer as each alone", async () => {
    const run = async (first: string, second: string) => {
      const turn1 = [user(first)];
      const s1 = await server.client.chat.completions.create({ model: "story", messages: turn1, temperature: 0, max_tokens: MAX, stream: true });
      let a1 = "";
      for await (const c of s1) a1 += c.choices[0]?.delta.content ?? "";
      const turn2 = [...turn1, assistant(a1), user(second)];
      const r2 = await server.client.chat.completions.create({ model: "story", messages: turn2, temperature: 0, max_tokens: MAX });
      return { turn1, a1, turn2, a2: r2.choices[0]!.message.content!, cached: (r2.usage as unknown as { prompt_tokens_cached: number }).prompt_tokens_cached, u1: await usageOf(turn1) };
    };
    const [x, y] = await Promise.all([run("Tell me about a red kite.", "Where did it fly?"), run("Tell me about a lost puppy.", "Who found it?")]);
    for (const c of [x, y]) {
      expect(c.a1).toBe(referenceChat(story, c.turn1, MAX));
      expect(c.a2).toBe(referenceChat(story, c.turn2, MAX));
      expectTurnReuse(c.cached, reusablePrefix(story, [...c.turn1, assistant(c.a1)], c.turn2), c.u1);
    }
  });

  it("lists the model and reports health", async () => {
    const models = await server.client.models.list();
    expect(models.data.map((m) => m.id)).toEqual(["story"]);
    expect((await server.client.models.retrieve("story")).id).toBe("story");
    const h = await server.health();
    expect(h.status).toBe("ok");
    expect(h.pool.hits).toBeGreaterThan(0);
  });
});

describe("prefix reuse with the chat tokenizer (ChatML special tokens; a tiny synthesized Mistral)", () => {
  let dir: string;
  let tiny: TestServer;
  let chat: Story;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "serve-chat-tok-"));
    const config = {
      architectures: ["MistralForCausalLM"], model_type: "mistral", hidden_size: 32, intermediate_size: 64, num_attention_heads: 4,
      num_key_value_heads: 2, num_hidden_layers: 1, max_position_embeddings: 256, vocab_size: 32002, rms_norm_eps: 1e-6,
      rope_theta: 10000, bos_token_id: 1, eos_token_id: 32000, tie_word_embeddings: false,
    };
    synthesizeModelDir({ config, tokenizerDir: `${SHARED}/models/chat-tokenizer`, outDir: dir, seed: 1 });
    const loaded = await loadModelDir(dir);
    const tokenizer = await loadTokenizer(dir);
    chat = { model: loaded.model, tokenizer, eosIds: loaded.eosTokenIds, template: ChatTemplate.forTokenizer(tokenizer) };
    tiny = await serve(chat, { maxSessions: 2 });
  });
  afterAll(async () => {
    await tiny.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("turn 2 finds turn 1 and its answer cached, as far as the answer re-tokenizes the same", async () => {
    const turn1 = [{ role: "system" as const, content: "You are terse." }, user("Name three colours.")];
    const r1 = await tiny.client.chat.completions.create({ model: "story", messages: turn1, temperature: 0, max_tokens: 20 });
    const a1 = r1.choices[0]!.message.content!;
    const turn2 = [...turn1, assistant(a1), user("And three animals?")];
    const r2 = await tiny.client.chat.completions.create({ model: "story", messages: turn2, temperature: 0, max_tokens: 20 });
    const cached = (r2.usage as unknown as { prompt_tokens_cached: number }).prompt_tokens_cached;
    expect(cached).toBe(reusablePrefix(chat, [...turn1, assistant(a1)], turn2));
    expect(cached).toBeGreaterThanOrEqual(r1.usage!.prompt_tokens);
    expect(r2.choices[0]!.message.content).toBe(referenceChat(chat, turn2, 20));
  });
});
