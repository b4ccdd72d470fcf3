/**
 * Many clients at once: 8 concurrent streams all correct, /health answering mid-generation, an
 * aborted stream freeing its cache, a full queue refused with 503 + Retry-After. Tests that need
 * a generation to still be running at some moment use a model slowed down by a few ms per forward.
 */
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { loadStory, referenceChat, serve, slowModel, user, waitFor, type Story, type TestServer } from "./serve-helpers.js";

let story: Story;
let server: TestServer | null = null;

beforeAll(async () => {
  story = await loadStory();
});
afterEach(async () => {
  await server?.close();
  server = null;
});

/** Opens a raw streaming chat request; resolves once the first content chunk arrived. */
async function openStream(url: string, content: string, maxTokens: number, signal?: AbortSignal): Promise<{ res: Response; reader: ReadableStreamDefaultReader<Uint8Array> }> {
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ model: "story", messages: [user(content)], temperature: 0, max_tokens: maxTokens, stream: true }),
    ...(signal === undefined ? {} : { signal }),
  });
  expect(res.status).toBe(200);
  const reader = res.body!.getReader();
  return { res, reader };
}

async function readUntil(reader: ReadableStreamDefaultReader<Uint8Array>, needle: string): Promise<string> {
  const utf8 = new TextDecoder();
  let text = "";
  while (!text.includes(needle)) {
    const { value, done } = await reader.read();
    if (done) break;
    text += utf8.decode(value, { stream: true });
  }
  return text;
}

describe("llama-infer serve under concurrent clients", () => {
  it("8 concurrent streaming clients all complete with the text each would get alone", async () => {
    server = await serve(story, { maxSessions: 4, maxQueue: 8 });
    const s = server;
    const topics = ["a cat", "a dog", "a bird", "a fish", "a frog", "a fox", "a bee", "a cow"];
    const prompts = topics.map((t) => [user(`Tell me a story about ${t}.`)]);
    let inFlight = 0;
    let maxInFlight = 0;
    const texts = await Promise.all(
      prompts.map(async (messages) => {
        const stream = await s.client.chat.completions.create({ model: "story", messages, temperature: 0, max_tokens: 25, stream: true });
        let text = "";
        let counted = false;
        for await (const c of stream) {
          const piece = c.choices[0]?.delta.content ?? "";
          if (piece !== "" && !counted) {
            counted = true;
            maxInFlight = Math.max(maxInFlight, ++inFlight);
          }
          text += piece;
        }
        inFlight--;
        return text;
      }),
    );
    texts.forEach((text, i) => expect(text).toBe(referenceChat(story, prompts[i]!, 25)));
    // Several streams were producing text at the same time (interleaved, not one after another).
    expect(maxInFlight).toBeGreaterThan(1);
    await s.engine.idle(); // the chats' deferred syncs done (they run after the answers)
    const h = await s.health();
    expect(h.requests.completed).toBe(8);
    expect(h.kv.used).toBe(0);
    expect(h).toMatchObject({ active: 0, queued: 0 });
  });

  it("/health answers while a generation is running", async () => {
    server = await serve(story, { model: slowModel(story.model, 4), maxSessions: 1 });
    const { reader } = await openStream(server.url, "Tell me a long story.", 200);
    await readUntil(reader, '"content":"'); // generating
    const h = await server.health();
    expect(h).toMatchObject({ status: "ok", active: 1 });
    expect(h.generatedTokens).toBe(0); // the running request has not finished
    await reader.cancel();
  });

  it("an aborted stream stops its generation and frees its cache for the next request", async () => {
    server = await serve(story, { model: slowModel(story.model, 4), maxSessions: 1, maxQueue: 0 });
    const s = server;
    const controller = new AbortController();
    const { reader } = await openStream(s.url, "Tell me a long story.", 400, controller.signal);
    await readUntil(reader, '"content":"');
    controller.abort();
    await waitFor("the cancelled request to free its cache", async () => {
      const h = await s.health();
      return h.active === 0 && h.kv.used === 0;
    });
    const h = await s.health();
    expect(h.requests.cancelled).toBe(1);
    expect(h.generatedTokens).toBeLessThan(400);
    // maxQueue 0: this would be a 503 if the cache were still held.
    const r = await s.client.chat.completions.create({ model: "story", messages: [user("Hello.")], temperature: 0, max_tokens: 3 });
    expect(r.choices[0]!.finish_reason).toBeDefined();
  });

  it("a full queue answers 503 with Retry-After in OpenAI's error shape; the server goes on", async () => {
    server = await serve(story, { model: slowModel(story.model, 4), maxSessions: 1, maxQueue: 1 });
    const s = server;
    const running = new AbortController();
    const waiting = new AbortController();
    const a = await openStream(s.url, "Tell me a long story.", 400, running.signal);
    await readUntil(a.reader, '"content":"');
    const b = await openStream(s.url, "Tell me another story.", 400, waiting.signal); // accepted, queued
    await readUntil(b.reader, '"role":"assistant"');
    expect(await s.health()).toMatchObject({ active: 1, queued: 1 });
    const res = await fetch(`${s.url}/v1/chat/completions`, {
      method: "POST",
      body: JSON.stringify({ model: "story", messages: [user("One more?")], max_tokens: 5 }),
    });
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("1");
    const body = (await res.json()) as { error: { message: string; type: string; code: string } };
    expect(body.error).toMatchObject({ type: "overloaded_error", code: "queue_full" });
    expect(body.error.message).toMatch(/busy/);
    running.abort();
    waiting.abort();
    await waitFor("both requests to be cancelled", async () => (await s.health()).requests.cancelled === 2);
    expect(await s.health()).toMatchObject({ active: 0, queued: 0, requests: { rejected: 1 } });
  });
});
