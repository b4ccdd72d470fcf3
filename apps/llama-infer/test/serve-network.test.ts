/**
 * `llama-infer serve` on a network: API key (and the official openai client with it), the bind
 * rule, CORS, the Host check against DNS rebinding, input limits (400 naming the limit), and the
 * error shape of each refusal.
 */
import { request } from "node:http";
import { Readable } from "node:stream";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../src/cli.js";
import { startServer } from "../src/server/index.js";
import { loadStory, serve, STORY, user, type Story, type TestServer } from "./serve-helpers.js";

interface ErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

const KEY = "sk-test-0123456789";
const chat = { model: "story", messages: [user("Hello.")], max_tokens: 3, temperature: 0 };

let story: Story;
let keyed: TestServer;
let open: TestServer;

beforeAll(async () => {
  story = await loadStory();
  keyed = await serve(story, { apiKey: KEY, limits: { maxMessages: 50, maxChars: 2000 } });
  open = await serve(story, { corsOrigin: "https://app.example", limits: { maxMessages: 20_000 } });
});
afterAll(async () => {
  await keyed?.close();
  await open?.close();
});

async function call(url: string, path: string, init: { method?: string; headers?: Record<string, string>; body?: unknown } = {}) {
  const res = await fetch(`${url}${path}`, {
    method: init.method ?? (init.body === undefined ? "GET" : "POST"),
    headers: { "Content-Type": "application/json", ...init.headers },
    ...(init.body === undefined ? {} : { body: typeof init.body === "string" ? init.body : JSON.stringify(init.body) }),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) as ErrorBody };
}

/** A raw request with a chosen Host header (fetch does not let one set it). */
function withHost(url: string, path: string, host: string): Promise<{ status: number; body: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path, headers: { Host: host } }, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("--api-key", () => {
  it("401 without the key or with a wrong one (OpenAI's shape, WWW-Authenticate), 200 with it", async () => {
    const none = await call(keyed.url, "/v1/models");
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toMatch(/^Bearer/);
    expect(none.json()).toEqual({ error: { message: expect.stringContaining("no API key"), type: "invalid_request_error", param: null, code: "invalid_api_key" } });
    for (const auth of [`Bearer ${KEY}x`, `Bearer ${KEY.slice(0, -1)}`, KEY, "Basic abc"]) {
      const bad = await call(keyed.url, "/v1/chat/completions", { headers: { Authorization: auth }, body: chat });
      expect(bad.status).toBe(401);
      expect(bad.json().error).toMatchObject({ code: "invalid_api_key", message: "invalid API key" });
    }
    expect((await call(keyed.url, "/metrics")).status).toBe(401);
    expect((await call(keyed.url, "/tokenize", { body: { messages: [user("hi")] } })).status).toBe(401);
    const ok = await call(keyed.url, "/v1/models", { headers: { Authorization: `Bearer ${KEY}` } });
    expect(ok.status).toBe(200);
    // Liveness and the page stay open (the page asks for the key itself).
    expect((await call(keyed.url, "/health")).status).toBe(200);
    for (const path of ["/", "/app.js", "/sse.js", "/style.css", "/favicon.svg"]) expect((await call(keyed.url, path)).status, path).toBe(200);
    expect((await call(keyed.url, "/server.ts")).status).not.toBe(200);
  });

  it("the official openai client: answers with the key (whole and streamed), AuthenticationError without", async () => {
    const whole = await keyed.client.chat.completions.create({ model: "story", messages: [user("Tell me a story.")], max_tokens: 8, temperature: 0 });
    expect(whole.choices[0]!.message.content!.length).toBeGreaterThan(0);
    const stream = await keyed.client.chat.completions.create({ model: "story", messages: [user("Tell me a story.")], max_tokens: 8, temperature: 0, stream: true });
    let text = "";
    for await (const c of stream) text += c.choices[0]?.delta.content ?? "";
    expect(text).toBe(whole.choices[0]!.message.content);
    const wrong = new OpenAI({ baseURL: `${keyed.url}/v1`, apiKey: "sk-wrong", maxRetries: 0 });
    const err = await wrong.models.list().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((err as InstanceType<typeof OpenAI.AuthenticationError>).status).toBe(401);
  });

  it("refuses to listen on a non-loopback host without a key (server and command), with one line", async () => {
    const engine = keyed.engine;
    await expect(startServer({ engine, modelId: "story", host: "0.0.0.0", port: 0 })).rejects.toThrow(/refusing to listen on '0.0.0.0' without an API key/);
    let stderr = "";
    const io = { stdout: { write: () => true }, stderr: { write: (s: string) => (stderr += s) }, stdin: Readable.from([""]), interactive: false };
    const env = process.env["LLAMA_INFER_API_KEY"];
    delete process.env["LLAMA_INFER_API_KEY"];
    try {
      expect(await runCli(["serve", "--model", STORY, "--host", "0.0.0.0", "--port", "0"], io)).toBe(1);
    } finally {
      if (env !== undefined) process.env["LLAMA_INFER_API_KEY"] = env;
    }
    expect(stderr.trim().split("\n")).toHaveLength(1);
    expect(stderr).toMatch(/--api-key KEY \(or set LLAMA_INFER_API_KEY\)/);
    // With a key it starts (and then answers only with it).
    const s = await startServer({ engine, modelId: "story", host: "0.0.0.0", port: 0, apiKey: KEY });
    try {
      expect((await call(`http://127.0.0.1:${s.port}`, "/v1/models")).status).toBe(401);
    } finally {
      await s.close();
    }
  });
});

describe("CORS and Host", () => {
  it("no Access-Control-Allow-Origin by default; another origin is refused (403), the page's own origin is not", async () => {
    const other = await call(keyed.url, "/v1/models", { headers: { Authorization: `Bearer ${KEY}`, Origin: "https://evil.example" } });
    expect(other.status).toBe(403);
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
    expect(other.json().error).toMatchObject({ type: "invalid_request_error", code: "origin_not_allowed", message: expect.stringContaining("--cors-origin") });
    const same = await call(keyed.url, "/v1/models", { headers: { Authorization: `Bearer ${KEY}`, Origin: keyed.url } });
    expect(same.status).toBe(200);
    expect(same.headers.get("access-control-allow-origin")).toBeNull();
    const preflight = await call(keyed.url, "/v1/chat/completions", { method: "OPTIONS", headers: { Origin: "https://evil.example", "Access-Control-Request-Method": "POST" } });
    expect(preflight.status).toBe(403);
  });

  it("--cors-origin allows that one origin (preflight and response), no other", async () => {
    const pre = await call(open.url, "/v1/chat/completions", { method: "OPTIONS", headers: { Origin: "https://app.example", "Access-Control-Request-Method": "POST" } });
    expect(pre.status).toBe(204);
    expect(pre.headers.get("access-control-allow-origin")).toBe("https://app.example");
    expect(pre.headers.get("access-control-allow-headers")).toContain("Authorization");
    const r = await call(open.url, "/v1/chat/completions", { headers: { Origin: "https://app.example" }, body: chat });
    expect(r.status).toBe(200);
    expect(r.headers.get("access-control-allow-origin")).toBe("https://app.example");
    const other = await call(open.url, "/v1/chat/completions", { headers: { Origin: "https://app.example.evil" }, body: chat });
    expect(other.status).toBe(403);
    expect(other.json().error.code).toBe("origin_not_allowed");
  });

  it("a loopback bind refuses a Host that is not loopback (DNS rebinding), answers localhost and 127.0.0.1", async () => {
    const rebound = await withHost(open.url, "/v1/models", "attacker.example:8080");
    expect(rebound.status).toBe(403);
    expect((JSON.parse(rebound.body) as ErrorBody).error).toMatchObject({ code: "host_not_allowed", message: expect.stringContaining("attacker.example") });
    for (const host of [`localhost:${open.port}`, `127.0.0.1:${open.port}`, "localhost", "[::1]:80"]) {
      expect((await withHost(open.url, "/v1/models", host)).status).toBe(200);
    }
  });
});

describe("input limits: 400 naming the limit, never 500", () => {
  const many = (n: number) => Array.from({ length: n }, (_, i) => ({ role: i % 2 === 0 ? "user" : "assistant", content: "hi" }));

  it("more messages than --max-messages", async () => {
    const r = await call(keyed.url, "/v1/chat/completions", { headers: { Authorization: `Bearer ${KEY}` }, body: { ...chat, messages: many(51) } });
    expect(r.status).toBe(400);
    expect(r.json().error).toEqual({ type: "invalid_request_error", param: "messages", code: "limit_exceeded", message: "'messages' holds 51 messages; the limit is 50 (--max-messages)" });
  });

  it("more characters than --max-chars (messages, prompt)", async () => {
    const long = "a".repeat(2001);
    const r = await call(keyed.url, "/v1/chat/completions", { headers: { Authorization: `Bearer ${KEY}` }, body: { ...chat, messages: [user(long)] } });
    expect(r.status).toBe(400);
    expect(r.json().error).toMatchObject({ param: "messages", code: "limit_exceeded", message: "'messages' holds 2001 characters of text; the limit is 2000 (--max-chars)" });
    const p = await call(keyed.url, "/v1/completions", { headers: { Authorization: `Bearer ${KEY}` }, body: { model: "story", prompt: long } });
    expect(p.status).toBe(400);
    expect(p.json().error).toMatchObject({ param: "prompt", code: "limit_exceeded" });
  });

  it("a body nested deeper than any request needs", async () => {
    const deep = `{"model":"story","messages":${"[".repeat(100_000)}${"]".repeat(100_000)}}`;
    const r = await call(open.url, "/v1/chat/completions", { body: deep });
    expect(r.status).toBe(400);
    expect(r.json().error).toMatchObject({ code: "limit_exceeded", message: expect.stringContaining("the limit is 32 (max nesting depth)") });
  });

  it("10,000 short messages (once a stack overflow and a 500) within the limits: 400 context_length_exceeded", async () => {
    const r = await call(open.url, "/v1/chat/completions", { body: { ...chat, messages: many(10_000) } });
    expect(r.status).toBe(400);
    expect(r.json().error).toMatchObject({ param: "messages", code: "context_length_exceeded" });
    expect(r.json().error.message).toMatch(/the prompt \('messages'\) is \d+ tokens; this server's context length is 512 tokens/);
    expect((await open.health()).status).toBe("ok");
  });
});

describe("/metrics", () => {
  it("Prometheus text format: request counts by route and status, latency histograms, engine gauges", async () => {
    const before = await call(open.url, "/metrics");
    expect(before.status).toBe(200);
    expect(before.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    await call(open.url, "/v1/chat/completions", { body: { ...chat, max_tokens: 5 } });
    await call(open.url, "/v1/chat/completions", { body: { ...chat, max_tokens: 5 } }); // its prompt found in the cache
    await call(open.url, "/v1/chat/completions", { body: { ...chat, temperature: -1 } });
    const text = (await call(open.url, "/metrics")).text;
    const health = JSON.parse((await call(open.url, "/health")).text) as { kv: { blocks: number } };
    // Every sample line is `name{labels} value`, every family has HELP and TYPE.
    for (const line of text.trimEnd().split("\n")) {
      expect(line).toMatch(/^(# (HELP|TYPE) [a-z_]+ .+|[a-z_]+(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? -?[\d.e+-]+)$/);
    }
    const value = (sample: string) => Number(new RegExp(`^${sample.replace(/[{}+.*?()[\]^$|\\]/g, "\\$&")} (\\S+)$`, "m").exec(text)?.[1]);
    expect(value('llama_infer_requests_total{route="/v1/chat/completions",status="200"}')).toBeGreaterThanOrEqual(1);
    expect(value('llama_infer_requests_total{route="/v1/chat/completions",status="400"}')).toBeGreaterThanOrEqual(1);
    expect(value("llama_infer_time_to_first_token_seconds_count")).toBeGreaterThanOrEqual(1);
    expect(value("llama_infer_inter_token_latency_seconds_count")).toBeGreaterThanOrEqual(4);
    expect(value('llama_infer_inter_token_latency_seconds_bucket{le="+Inf"}')).toBe(value("llama_infer_inter_token_latency_seconds_count"));
    for (const g of ["llama_infer_queue_length", "llama_infer_active_sequences", "llama_infer_batch_size", "llama_infer_kv_blocks_used", "llama_infer_kv_blocks_free", "llama_infer_prefix_hit_rate"]) {
      expect(text).toContain(`# TYPE ${g} gauge`);
      expect(Number.isFinite(value(g))).toBe(true);
    }
    expect(value("llama_infer_generated_tokens_total")).toBeGreaterThanOrEqual(5);
    expect(value("llama_infer_prompt_tokens_total")).toBeGreaterThan(0);
    // The gauges hold the engine's numbers: every block used, cached or free; the hit rate is cached / prompt tokens.
    expect(value("llama_infer_kv_blocks_used") + value("llama_infer_kv_blocks_cached") + value("llama_infer_kv_blocks_free")).toBe(health.kv.blocks);
    expect(value("llama_infer_prompt_tokens_cached_total")).toBeGreaterThan(0);
    expect(value("llama_infer_prefix_hit_rate")).toBeCloseTo(value("llama_infer_prompt_tokens_cached_total") / value("llama_infer_prompt_tokens_total"), 6);
  });
});
