/**
 * `logprobs` on `llama-infer serve`: chat's `logprobs: true` + `top_logprobs` and the legacy
 * completions' `logprobs: N`, whole and streamed, in OpenAI's shapes. The values are checked
 * against a float64 log softmax of the story model's own logits, computed here from a solitary
 * greedy run (not from the server's code path).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadStory, serve, user, type Story, type TestServer } from "./serve-helpers.js";

let story: Story;
let server: TestServer;

beforeAll(async () => {
  story = await loadStory();
  server = await serve(story);
});
afterAll(() => server.close());

interface ChatEntry {
  token: string;
  logprob: number;
  bytes: number[] | null;
  top_logprobs: { token: string; logprob: number; bytes: number[] | null }[];
}

interface CompletionLogprobs {
  tokens: string[];
  token_logprobs: number[];
  top_logprobs: Record<string, number>[];
  text_offset: number[];
}

/** The parts of OpenAI's response objects (whole, chunk or error) these tests read. */
interface Answer {
  choices: {
    text?: string;
    message?: { content: string };
    finish_reason: string | null;
    logprobs: ({ content: ChatEntry[] } & CompletionLogprobs) | null;
  }[];
  usage: { completion_tokens: number };
  error?: { type: string; param: string };
}

async function post(path: string, body: Record<string, unknown>): Promise<{ status: number; json: Answer }> {
  const res = await fetch(`${server.url}${path}`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Answer };
}

/** The data objects of an SSE response. */
async function streamed(path: string, body: Record<string, unknown>): Promise<Answer[]> {
  const res = await fetch(`${server.url}${path}`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ ...body, stream: true }) });
  const text = await res.text();
  return text
    .split("\n\n")
    .map((e) => e.replace(/^data: /, "").trim())
    .filter((d) => d !== "" && d !== "[DONE]")
    .map((d) => JSON.parse(d) as Answer);
}

/** Greedy ids after `prompt` and, for each, float64 log softmax of the logits it was taken from. */
function referenceLogprobs(prompt: number[], n: number): { ids: number[]; logprobs: number[]; second: number[] } {
  const cache = story.model.newCache(prompt.length + n + 1);
  let logits = story.model.forward(prompt, cache);
  const ids: number[] = [], logprobs: number[] = [], second: number[] = [];
  for (let i = 0; i < n; i++) {
    const row = logits.subarray(logits.length - story.model.config.vocabSize);
    const order = Array.from(row.keys()).sort((a, b) => row[b]! - row[a]! || a - b);
    const max = row[order[0]!]!;
    let sum = 0;
    for (const v of row) sum += Math.exp(v - max);
    const lse = max + Math.log(sum);
    ids.push(order[0]!);
    logprobs.push(row[order[0]!]! - lse);
    second.push(row[order[1]!]! - lse);
    logits = story.model.forward([order[0]!], cache);
  }
  return { ids, logprobs, second };
}

describe("llama-infer serve: logprobs", () => {
  it("completions: logprobs N gives each token's log-probability and N alternatives, equal to a float64 log softmax of the model's logits", async () => {
    const prompt = story.tokenizer.encode("Once upon a time, there was a little girl");
    const n = 10;
    const r = await post("/v1/completions", { model: "story", prompt, max_tokens: n, temperature: 0, logprobs: 2 });
    expect(r.status).toBe(200);
    const choice = r.json.choices[0]!;
    const lp = choice.logprobs!;
    const want = referenceLogprobs(prompt, n);
    expect(lp.tokens).toHaveLength(r.json.usage.completion_tokens);
    expect(lp.tokens.join("")).toBe(choice.text);
    for (let i = 0; i < lp.tokens.length; i++) {
      expect(lp.token_logprobs[i]).toBeCloseTo(want.logprobs[i]!, 4);
      const alternatives = Object.values(lp.top_logprobs[i]!);
      expect(alternatives).toHaveLength(2);
      expect(alternatives[0]).toBeCloseTo(want.logprobs[i]!, 4); // greedy: the chosen token is the most likely
      expect(alternatives[1]).toBeCloseTo(want.second[i]!, 4);
      expect(lp.text_offset[i]).toBe(lp.tokens.slice(0, i).join("").length);
    }
  });

  it("chat: logprobs true + top_logprobs, whole and streamed, with bytes; the tokens spell the answer", async () => {
    const body = { model: "story", messages: [user("Tell me a story about a cat.")], max_tokens: 12, temperature: 0, logprobs: true, top_logprobs: 3 };
    const whole = await post("/v1/chat/completions", body);
    expect(whole.status).toBe(200);
    const content = whole.json.choices[0]!.logprobs!.content;
    expect(content).toHaveLength(whole.json.usage.completion_tokens);
    for (const e of content) {
      expect(e.logprob).toBeLessThanOrEqual(0);
      expect(e.top_logprobs).toHaveLength(3);
      expect(e.top_logprobs[0]!.logprob).toBe(e.logprob); // greedy
      expect(e.top_logprobs.map((t) => t.logprob)).toEqual([...e.top_logprobs.map((t) => t.logprob)].sort((a, b) => b - a));
      expect(e.bytes).toEqual(Array.from(new TextEncoder().encode(e.token)));
    }
    if (whole.json.choices[0]!.finish_reason === "length") expect(content.map((e) => e.token).join("")).toBe(whole.json.choices[0]!.message!.content);

    const chunks = await streamed("/v1/chat/completions", body);
    const entries = chunks.flatMap((c) => c.choices[0]?.logprobs?.content ?? []);
    // the same tokens; the values to ~1e-6 (the second run finds its prompt in the prefix cache,
    // and a cached prefix's keys come from a different chunking of the prefill)
    expect(entries.map((e) => e.token)).toEqual(content.map((e) => e.token));
    entries.forEach((e, i) => expect(e.logprob).toBeCloseTo(content[i]!.logprob, 5));
  });

  it("through the official openai client", async () => {
    const r = await server.client.chat.completions.create({ model: "story", messages: [user("Hello.")], max_tokens: 4, temperature: 0, logprobs: true, top_logprobs: 2 });
    expect(r.choices[0]!.logprobs!.content!.length).toBe(r.usage!.completion_tokens);
    expect(r.choices[0]!.logprobs!.content![0]!.top_logprobs).toHaveLength(2);
  });

  it("without logprobs, logprobs is null; bad values are a 400 naming the parameter", async () => {
    const plain = await post("/v1/chat/completions", { model: "story", messages: [user("Hi")], max_tokens: 2 });
    expect(plain.json.choices[0]!.logprobs).toBeNull();
    const bad: [string, Record<string, unknown>, string][] = [
      ["/v1/chat/completions", { messages: [user("Hi")], logprobs: true, top_logprobs: 21 }, "top_logprobs"],
      ["/v1/chat/completions", { messages: [user("Hi")], top_logprobs: 2 }, "top_logprobs"],
      ["/v1/chat/completions", { messages: [user("Hi")], logprobs: "yes" }, "logprobs"],
      ["/v1/completions", { prompt: "Once", logprobs: 1.5 }, "logprobs"],
    ];
    for (const [path, body, param] of bad) {
      const r = await post(path, { model: "story", max_tokens: 2, ...body });
      expect(r.status).toBe(400);
      expect(r.json.error).toMatchObject({ type: "invalid_request_error", param });
    }
  });
});
