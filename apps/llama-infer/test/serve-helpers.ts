/**
 * Shared by the serve tests: the story model loaded once per file, a server on a free localhost
 * port, the reference answers of a solitary `generate`, and a slowed-down model for tests that
 * need a generation to still be running at a given moment.
 */
import OpenAI from "openai";
import {
  ChatTemplate,
  ContinuationDecoder,
  generateAll,
  loadTokenizer,
  type CausalLM,
  type ChatMessage,
  type Tokenizer,
} from "@mini/llm";
import { BatchedLlama, loadModelDir, type BatchedCausalLM, type LlamaModel } from "@mini/llm/models";
import { chatStopIds, encodeChat, ServingEngine, stopMarkerTexts, type ServingEngineOptions } from "@mini/llm/serving";
import { ServerMetrics, startServer, type RunningServer, type ServerOptions } from "../src/server/index.js";
// ../shared beside the checkout (vitest.shared.ts sets MINI_SHARED from the repo root).
const SHARED = process.env["MINI_SHARED"]!;

export const STORY = `${SHARED}/models/story`;

export interface Story {
  model: CausalLM;
  tokenizer: Tokenizer;
  eosIds: readonly number[];
  template: ChatTemplate;
}

export async function loadStory(): Promise<Story> {
  const loaded = await loadModelDir(STORY);
  const tokenizer = await loadTokenizer(STORY);
  return { model: loaded.model, tokenizer, eosIds: loaded.eosTokenIds, template: ChatTemplate.forTokenizer(tokenizer) };
}

export interface TestServer extends RunningServer {
  engine: ServingEngine;
  client: OpenAI;
  health(): Promise<HealthBody>;
}

export interface HealthBody {
  status: string;
  active: number;
  queued: number;
  pool: { hits: number; misses: number; evictions: number; preemptions: number; cachedTokens: number; promptTokens: number };
  kv: { blockSize: number; blocks: number; used: number; cached: number; free: number; mb: number };
  lastBatchSize: number;
  requests: { accepted: number; rejected: number; completed: number; cancelled: number; failed: number };
  generatedTokens: number;
}

type HttpOptions = Pick<ServerOptions, "maxBodyBytes" | "apiKey" | "corsOrigin" | "limits" | "log" | "host" | "webDir">;
const HTTP_KEYS = ["maxBodyBytes", "apiKey", "corsOrigin", "limits", "log", "host", "webDir"] as const;

/** A server for `model` on 127.0.0.1, port 0, with an OpenAI client pointed at it (no retries). */
export async function serve(story: Story, opts: Partial<ServingEngineOptions> & HttpOptions & { model?: CausalLM } = {}): Promise<TestServer> {
  const http: HttpOptions = {};
  const engineOpts: Partial<ServingEngineOptions> = { ...opts };
  for (const k of HTTP_KEYS) {
    if (opts[k] !== undefined) (http as Record<string, unknown>)[k] = opts[k];
    delete (engineOpts as Record<string, unknown>)[k];
  }
  const metrics = new ServerMetrics();
  const engine = new ServingEngine({ model: story.model, tokenizer: story.tokenizer, eosIds: story.eosIds, observer: metrics, ...engineOpts });
  const server = await startServer({ engine, modelId: "story", port: 0, metrics, ...http });
  const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: opts.apiKey ?? "not-needed", maxRetries: 0 });
  const health = async () => (await (await fetch(`${server.url}/health`)).json()) as HealthBody;
  return { ...server, close: server.close, drain: server.drain, engine, client, health };
}

/**
 * The greedy answer of a fresh, solitary run on the rendered conversation, cut before the first
 * stop marker the model spelled out in pieces (`<|end_story|>`).
 */
export function referenceChat(story: Story, messages: ChatMessage[], maxNewTokens: number): string {
  const ids = encodeChat(story.template, story.tokenizer, messages, true);
  const stopIds = chatStopIds(story.tokenizer, story.template, story.eosIds);
  const r = generateAll(story.model, ids, { maxNewTokens, stopIds });
  const text = story.tokenizer.decode(r.ids, { skipSpecialTokens: true });
  const cuts = stopMarkerTexts(story.tokenizer, stopIds, story.template).map((m) => text.indexOf(m)).filter((i) => i >= 0);
  return cuts.length === 0 ? text : text.slice(0, Math.min(...cuts));
}

/** The greedy continuation of a fresh, solitary run (as `llama-infer generate --no-echo` prints it). */
export function referenceCompletion(story: Story, prompt: string, maxNewTokens: number): string {
  const ids = story.tokenizer.encode(prompt);
  const r = generateAll(story.model, ids, { maxNewTokens, stopIds: story.eosIds });
  const dec = new ContinuationDecoder(story.tokenizer, ids);
  return r.ids.map((id) => dec.push(id)).join("") + dec.flush();
}

/** `model` (batched), with `ms` of busy work before every forward pass (a bigger model, in effect). */
export function slowModel(model: CausalLM, ms: number): BatchedCausalLM {
  const batched = new BatchedLlama(model as LlamaModel);
  const wait = () => {
    const until = performance.now() + ms;
    while (performance.now() < until);
  };
  return {
    config: batched.config,
    kvBytesPerPosition: batched.kvBytesPerPosition,
    maxBatchTokens: batched.maxBatchTokens,
    newCache: (maxLen) => batched.newCache(maxLen),
    newPagedKV: (n, bs) => batched.newPagedKV(n, bs),
    forward: (tokens, cache, o) => {
      wait();
      return batched.forward(tokens, cache, o);
    },
    forwardBatch: (entries, kv) => {
      wait();
      return batched.forwardBatch(entries, kv);
    },
  };
}

/** `model` (batched) whose every forward pass throws `message`. */
export function failingModel(model: CausalLM, message: string): BatchedCausalLM {
  const m = slowModel(model, 0);
  const fail = (): never => {
    throw new Error(message);
  };
  return { ...m, forward: fail, forwardBatch: fail };
}

/** Polls `check` every 10 ms until it is true (fails after `timeoutMs`). */
export async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A message typed for both @mini/llm (ChatMessage) and the openai client. */
export interface Message {
  role: "system" | "user" | "assistant";
  content: string;
}
export const user = (content: string): Message => ({ role: "user", content });
export const assistant = (content: string): Message => ({ role: "assistant", content });
