/**
 * Graceful shutdown: SIGTERM (or `drain`) stops new work, lets running streams finish within
 * --drain-timeout, and ends the others with an error chunk and `data: [DONE]`.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { loadStory, serve, slowModel, STORY, user, waitFor, type Story, type TestServer } from "./serve-helpers.js";

let story: Story;
let server: TestServer | null = null;
beforeAll(async () => {
  story = await loadStory();
});
afterEach(async () => {
  await server?.close().catch(() => undefined);
  server = null;
});

/** A streamed request whose text accumulates in `text`; `ended` resolves at the end of the body. */
function stream(url: string, path: string, body: object): { text: () => string; firstChunk: Promise<void>; ended: Promise<string> } {
  let text = "";
  let gotChunk!: () => void;
  const firstChunk = new Promise<void>((r) => (gotChunk = r));
  const ended = (async () => {
    const res = await fetch(`${url}${path}`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ ...body, stream: true }) });
    expect(res.status).toBe(200);
    const utf8 = new TextDecoder();
    for await (const piece of res.body as unknown as AsyncIterable<Uint8Array>) {
      text += utf8.decode(piece, { stream: true });
      if (/"(content|text)":"[^"]/.test(text)) gotChunk();
    }
    gotChunk();
    return text;
  })();
  return { text: () => text, firstChunk, ended };
}

const chatBody = (content: string, maxTokens: number) => ({ model: "story", messages: [user(content)], temperature: 0, max_tokens: maxTokens });

describe("drain", () => {
  it("past the timeout, two running streams end with an error chunk and [DONE]; new requests get 503", async () => {
    server = await serve(story, { model: slowModel(story.model, 15), maxSessions: 2 });
    const a = stream(server.url, "/v1/chat/completions", chatBody("Tell me a story about a cat.", 200));
    const b = stream(server.url, "/v1/chat/completions", chatBody("Tell me a story about a dog.", 200));
    await Promise.all([a.firstChunk, b.firstChunk]);
    const draining = server.drain(50);
    const late = await fetch(`${server.url}/v1/chat/completions`, { method: "POST", body: JSON.stringify(chatBody("hi", 2)) }).catch((e: unknown) => e);
    // Either refused on the open connection (503 shutting_down) or not accepted at all.
    if (late instanceof Response) {
      expect(late.status).toBe(503);
      expect(((await late.json()) as { error: { code: string } }).error.code).toBe("shutting_down");
    } else expect(late).toBeInstanceOf(Error);
    expect(await draining).toEqual({ finished: 0, endedEarly: 2 });
    for (const s of [a, b]) {
      const text = await s.ended;
      expect(text).toMatch(/data: \{"error":\{"message":"the server shut down before this answer finished \(drain timeout 50 ms\)","type":"server_error","param":null,"code":"shutting_down"\}\}\n\ndata: \[DONE\]\n\n$/);
    }
    await waitFor("the cancelled generations to stop", () => server!.engine.stats().active === 0);
    server = null;
  });

  it("within the timeout, running streams finish normally", async () => {
    server = await serve(story, { model: slowModel(story.model, 2), maxSessions: 2 });
    const a = stream(server.url, "/v1/chat/completions", chatBody("Tell me a story about a cat.", 12));
    const b = stream(server.url, "/v1/completions", { model: "story", prompt: "Once upon a time", temperature: 0, max_tokens: 12 });
    await Promise.all([a.firstChunk, b.firstChunk]);
    expect(await server.drain(10_000)).toEqual({ finished: 2, endedEarly: 0 });
    for (const s of [a, b]) {
      const text = await s.ended;
      expect(text).toContain('"finish_reason":"');
      expect(text).not.toContain('"error"');
      expect(text.endsWith("data: [DONE]\n\n")).toBe(true);
    }
    server = null;
  });
});

describe("SIGTERM to a `llama-infer serve` process", () => {
  it("during two streams: both end with [DONE], the process exits 0", async () => {
    const bin = fileURLToPath(new URL("../bin/llama-infer.mjs", import.meta.url));
    const child = spawn(process.execPath, [bin, "serve", "--model", STORY, "--port", "0", "--drain-timeout", "0", "--max-sessions", "2"], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    // "close", not "exit": at "exit" the stderr pipe may still hold the "stopped" line.
    const exited = new Promise<number | null>((r) => child.on("close", (code) => r(code)));
    try {
      await waitFor("the server to listen", () => /serve: (http:\/\/[^ ]+) /.test(stderr), 60_000);
      const url = /serve: (http:\/\/[^ ]+) /.exec(stderr)![1]!;
      // Sampled completions of up to 400 tokens: long enough to be running when the signal comes.
      const body = (seed: number) => ({ model: "story", prompt: "Once upon a time", temperature: 1.5, seed, max_tokens: 400 });
      const a = stream(url, "/v1/completions", body(1));
      const b = stream(url, "/v1/completions", body(2));
      await Promise.all([a.firstChunk, b.firstChunk]);
      child.kill("SIGTERM");
      for (const s of [a, b]) expect((await s.ended).endsWith("data: [DONE]\n\n")).toBe(true);
      expect(await exited).toBe(0);
      expect(stderr).toMatch(/llama-infer serve: stopped \(\d answers finished, \d ended early\)/);
    } finally {
      child.kill("SIGKILL");
    }
  }, 90_000);
});
