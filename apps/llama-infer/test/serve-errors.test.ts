/**
 * Bad input to `llama-infer serve`: each case gets its status and an OpenAI-shaped error naming
 * the parameter, and the server keeps serving. (The `serve` command's own flags: serve-command.test.ts.)
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { failingModel, loadStory, serve, user, waitFor, type TestServer } from "./serve-helpers.js";

let server: TestServer;

beforeAll(async () => {
  server = await serve(await loadStory(), { contextLength: 64, maxBodyBytes: 64 * 1024 });
});
afterAll(() => server.close());

interface ErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

async function post(path: string, body: unknown): Promise<{ status: number; body: ErrorBody; headers: Headers }> {
  const res = await fetch(`${server.url}${path}`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as ErrorBody, headers: res.headers };
}

const chat = { model: "story", messages: [user("Hello.")], max_tokens: 3 };
const completion = { model: "story", prompt: "Once", max_tokens: 3 };

describe("llama-infer serve: bad requests", () => {
  const invalid: [string, string, Record<string, unknown>, string][] = [
    ["temperature not a number", "/v1/chat/completions", { ...chat, temperature: "hot" }, "temperature"],
    ["temperature < 0", "/v1/chat/completions", { ...chat, temperature: -1 }, "temperature"],
    ["top_p out of (0, 1]", "/v1/chat/completions", { ...chat, top_p: 1.5 }, "top_p"],
    ["top_k negative", "/v1/chat/completions", { ...chat, top_k: -3 }, "top_k"],
    ["repetition_penalty 0", "/v1/chat/completions", { ...chat, repetition_penalty: 0 }, "repetition_penalty"],
    ["seed not an integer", "/v1/chat/completions", { ...chat, seed: 1.5 }, "seed"],
    ["max_tokens 0", "/v1/chat/completions", { ...chat, max_tokens: 0 }, "max_tokens"],
    ["n = 2", "/v1/chat/completions", { ...chat, n: 2 }, "n"],
    ["stream not a boolean", "/v1/chat/completions", { ...chat, stream: "yes" }, "stream"],
    ["an empty stop string", "/v1/chat/completions", { ...chat, stop: ["ok", ""] }, "stop"],
    ["too many stop strings", "/v1/chat/completions", { ...chat, stop: ["a", "b", "c", "d", "e"] }, "stop"],
    ["presence_penalty (not implemented)", "/v1/chat/completions", { ...chat, presence_penalty: 0.5 }, "presence_penalty"],
    ["messages missing", "/v1/chat/completions", { model: "story" }, "messages"],
    ["messages empty", "/v1/chat/completions", { ...chat, messages: [] }, "messages"],
    ["an unknown role", "/v1/chat/completions", { ...chat, messages: [{ role: "robot", content: "hi" }] }, "messages[0].role"],
    ["content not text", "/v1/chat/completions", { ...chat, messages: [{ role: "user", content: 42 }] }, "messages[0].content"],
    ["model missing", "/v1/chat/completions", { messages: [user("hi")] }, "model"],
    ["prompt missing", "/v1/completions", { model: "story" }, "prompt"],
    ["several prompts", "/v1/completions", { ...completion, prompt: ["a", "b"] }, "prompt"],
    ["prompt token id outside the vocabulary", "/v1/completions", { ...completion, prompt: [1, 5000] }, "prompt"],
  ];
  for (const [what, path, body, param] of invalid) {
    it(`400 for ${what}, naming '${param}'`, async () => {
      const r = await post(path, body);
      expect(r.status).toBe(400);
      expect(r.body.error).toMatchObject({ type: "invalid_request_error", param });
      expect(r.body.error.message).toContain(`'${param}'`);
    });
  }

  it("says what an array it refuses was: empty, or how many items", async () => {
    const cases: [string, Record<string, unknown>, string][] = [
      ["/v1/chat/completions", { ...chat, messages: [] }, "invalid 'messages': must be a non-empty list of {role, content} messages, got an empty array"],
      ["/v1/completions", { ...completion, prompt: [] }, "invalid 'prompt': must be a string or a list of token ids, got an empty array"],
      ["/v1/chat/completions", { ...chat, stop: ["a", "b", "c", "d", "e"] }, "invalid 'stop': must hold at most 4 strings, got an array of 5"],
    ];
    for (const [path, body, message] of cases) expect((await post(path, body)).body.error.message).toBe(message);
  });

  const unsupported: [string, Record<string, unknown>, string][] = [
    ["/v1/chat/completions", { ...chat, tools: [{ type: "function", function: { name: "f", parameters: {} } }] }, "tools"],
    ["/v1/chat/completions", { ...chat, tool_choice: "required" }, "tool_choice"],
    ["/v1/chat/completions", { ...chat, response_format: { type: "json_object" } }, "response_format"],
    ["/v1/chat/completions", { ...chat, logit_bias: { "42": 5 } }, "logit_bias"],
    ["/v1/completions", { ...completion, echo: true }, "echo"],
    ["/v1/completions", { ...completion, suffix: " the end" }, "suffix"],
    ["/v1/completions", { ...completion, best_of: 3 }, "best_of"],
  ];
  for (const [path, body, param] of unsupported) {
    it(`400 for '${param}' on ${path}, which would change the answer and is not implemented`, async () => {
      const r = await post(path, body);
      expect(r.status).toBe(400);
      expect(r.body.error).toMatchObject({ type: "invalid_request_error", param, code: "unsupported_parameter" });
      expect(r.body.error.message).toContain(`'${param}'`);
    });
  }

  it("accepts those parameters at their 'off' values (as SDKs may send them), and ignores ones that do not change the answer", async () => {
    const off = { logprobs: false, top_logprobs: 0, tools: [], tool_choice: "none", response_format: { type: "text" }, logit_bias: {}, user: "u-1", metadata: { a: "b" }, store: false };
    const r = await fetch(`${server.url}/v1/chat/completions`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ ...chat, ...off }) });
    expect(r.status).toBe(200);
    const c = await fetch(`${server.url}/v1/completions`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ ...completion, echo: false, best_of: 1, suffix: "", logit_bias: {} }) });
    expect(c.status).toBe(200);
    // the chat's conversation is brought into the prefix cache after its answer: let that finish
    await waitFor("the server to be idle", async () => (await server.health()).active === 0);
  });

  it("400 for a prompt past the context, naming both lengths", async () => {
    const long = "The little dog ran to the park and played with a ball. ".repeat(10);
    const r = await post("/v1/chat/completions", { ...chat, messages: [user(long)] });
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ param: "messages", code: "context_length_exceeded" });
    expect(r.body.error.message).toMatch(/is \d+ tokens; this server's context length is 64 tokens/);
    const c = await post("/v1/completions", { ...completion, prompt: long });
    expect(c.body.error).toMatchObject({ param: "prompt", code: "context_length_exceeded" });
  });

  it("400 for malformed JSON, an empty body, a body that is not an object", async () => {
    for (const body of ['{"model": "story",', "", "[1, 2]"]) {
      const r = await post("/v1/chat/completions", body);
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe("invalid_json");
    }
    expect((await post("/v1/chat/completions", "{oops")).body.error.message).toMatch(/not valid JSON/);
  });

  it("404 for an unknown route and an unknown model (through the OpenAI client too)", async () => {
    const res = await fetch(`${server.url}/v1/engines`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as ErrorBody).error.message).toMatch(/no route for GET \/v1\/engines/);
    const m = await post("/v1/chat/completions", { ...chat, model: "gpt-4" });
    expect(m.status).toBe(404);
    expect(m.body.error).toMatchObject({ param: "model", code: "model_not_found" });
    expect(m.body.error.message).toMatch(/'gpt-4' does not exist; this server serves 'story'/);
    const err = await server.client.chat.completions.create({ ...chat, model: "gpt-4", messages: [user("hi")] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    await expect(server.client.models.retrieve("gpt-4")).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });

  it("the OpenAI client sees a 400 as BadRequestError with the parameter", async () => {
    const err = (await server.client.chat.completions.create({ ...chat, top_p: 2 }).catch((e: unknown) => e)) as InstanceType<typeof OpenAI.BadRequestError>;
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err.status).toBe(400);
    expect(err.param).toBe("top_p");
  });

  it("413 for a body over the limit", async () => {
    const big = JSON.stringify({ ...chat, messages: [user("x".repeat(100 * 1024))] });
    const r = await post("/v1/chat/completions", big);
    expect(r.status).toBe(413);
    expect(r.body.error.code).toBe("request_too_large");
    expect(r.body.error.message).toMatch(/limit is 65536 bytes/);
  });

  it("405 for a wrong method on a known route, with Allow", async () => {
    const res = await fetch(`${server.url}/v1/chat/completions`);
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("POST");
  });

  it("is still serving after all of the above", async () => {
    const h = await server.health();
    expect(h.status).toBe("ok");
    expect(h.active).toBe(0);
    const r = await server.client.chat.completions.create({ ...chat, temperature: 0 });
    expect(r.choices[0]!.message.content!.length).toBeGreaterThan(0);
  });
});

describe("llama-infer serve: without the chat page's folder", () => {
  it("serves the API, and answers the page's paths 404 naming the missing file (was a 500 with a stack trace each)", async () => {
    const empty = mkdtempSync(join(tmpdir(), "llama-infer-no-web-"));
    const s = await serve(await loadStory(), { webDir: empty });
    try {
      for (const path of ["/", "/app.js", "/favicon.ico"]) {
        const r = await fetch(`${s.url}${path}`);
        expect(r.status).toBe(404);
        const body = (await r.json()) as ErrorBody;
        expect(body.error.message).toBe(
          `no chat page: ${join(empty, "index.html")} is missing (a built llama-infer.mjs looks for web/ at ../../web/ from itself: X/dist/cli/llama-infer.mjs beside X/web/); the API works`,
        );
      }
      expect((await fetch(`${s.url}/v1/models`)).status).toBe(200);
    } finally {
      await s.close();
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe("llama-infer serve: a failing model", () => {
  it("answers 500 in the error shape (whole) or an error event (streamed), and keeps serving", async () => {
    const story = await loadStory();
    const logged: string[] = [];
    const s = await serve(story, {
      log: (line) => logged.push(line),
      model: failingModel(story.model, "forward exploded"),
    });
    try {
      const r = await fetch(`${s.url}/v1/completions`, { method: "POST", body: JSON.stringify(completion) });
      expect(r.status).toBe(500);
      // The answer names the request id (not the internal message); the log has both.
      const id = r.headers.get("x-request-id")!;
      expect(id).toMatch(/^req_[0-9a-f]{16}$/);
      expect(((await r.json()) as ErrorBody).error).toEqual({ type: "server_error", code: "internal_error", param: null, message: `internal error (request id ${id}); the server log has the details` });
      expect(logged.some((l) => l.includes(id) && l.includes("forward exploded"))).toBe(true);
      const stream = await fetch(`${s.url}/v1/completions`, { method: "POST", body: JSON.stringify({ ...completion, stream: true }) });
      expect(stream.status).toBe(200);
      const text = await stream.text();
      const streamId = stream.headers.get("x-request-id")!;
      expect(text).toContain(`"message":"internal error (request id ${streamId}); the server log has the details"`);
      expect(logged.some((l) => l.includes(streamId) && l.includes("forward exploded"))).toBe(true);
      expect(text.trimEnd().endsWith("data: [DONE]")).toBe(true);
      expect(await s.health()).toMatchObject({ status: "ok", active: 0, requests: { failed: 2 } });
    } finally {
      await s.close();
    }
  });
});
