/**
 * The model side of a chat/completions server: many requests at once on one model, with no
 * session state in the API.
 *
 *   const engine = new ServingEngine({ model, tokenizer, eosIds, maxSessions: 4, maxQueue: 16 });
 *   const job = engine.submit({ prompt: { messages }, sampling: { temperature: 0 }, maxTokens: 64,
 *                               onText: (piece) => res.write(piece) });
 *   const result = await job.result;     // text, finishReason, promptTokens, cachedTokens, …
 *   job.cancel();                        // the client went away: stop and free the cache
 *
 * `submit` validates everything at the call (an OptionError naming the option, a
 * PromptTooLongError naming both lengths, a QueueFullError), so a server can answer 400/503
 * before it sends anything. An accepted request takes a cache from the PrefixCachePool (at most
 * `maxSessions`, so at most that many generations run at once); the others wait in a FIFO queue
 * of at most `maxQueue`. Running requests advance one step each in turn (RoundRobinScheduler).
 * Memory is bounded by the pool: `maxSessions` caches of `contextLength` positions.
 */
import { ChatTemplate, type ChatMessage } from "../chat/template.js";
import { checkMaxNewTokens, PromptTooLongError } from "../generate.js";
import type { CausalLM } from "../models/causal-lm.js";
import { OptionError, type SamplingOptions } from "../sampling/options.js";
import { Sampler } from "../sampling/sampler.js";
import type { Tokenizer } from "../tokenizers/tokenizer.js";
import { chatStopIds, encodeChat, stopMarkerTexts } from "./chat-prompt.js";
import { GenerationTask, type ServeResult, type TaskContext } from "./generation-task.js";
import { PrefixCachePool, type PoolStats } from "./prefix-cache-pool.js";
import { RoundRobinScheduler } from "./scheduler.js";

export interface ServingEngineOptions {
  model: CausalLM;
  tokenizer: Tokenizer;
  /** The model's eos ids (the loader's `eosTokenIds`): they end every generation. */
  eosIds?: Iterable<number>;
  /** Chat template. Default: the tokenizer's, else built-in ChatML. */
  template?: ChatTemplate;
  /** KV caches in the pool = most generations running at once. Default 4. */
  maxSessions?: number;
  /** Requests that may wait for a cache; one more is refused (QueueFullError). Default 16. */
  maxQueue?: number;
  /** Positions per cache (prompt + answer). Default: the model's context length. */
  contextLength?: number;
  /** Prompt tokens fed per scheduler step. Default 64. */
  prefillChunk?: number;
  /** Told the timing of every generated id (a server's latency histograms). */
  observer?: TokenObserver;
}

export interface TokenObserver {
  /** From submit to a request's first generated id. */
  firstToken(ms: number): void;
  /** Between two consecutive ids of one request. */
  interToken(ms: number): void;
}

/** What to answer: a chat (rendered with the template), a text to continue, or ids. */
export type ServePrompt = { messages: readonly ChatMessage[] } | { text: string } | { ids: readonly number[] };

export interface ServeRequest {
  prompt: ServePrompt;
  /** Default: the Sampler's defaults (temperature 1, a random seed). */
  sampling?: SamplingOptions;
  /** Most ids to generate. Default: until a stop or the context is full. */
  maxTokens?: number;
  /** The output ends before the first of these strings (finish reason "stop"). */
  stop?: readonly string[];
  /** Receives the text as it is generated: whole characters, stop strings held back. */
  onText?: (piece: string) => void;
}

export interface ServeJob {
  readonly promptTokens: number;
  readonly seed: number;
  readonly result: Promise<ServeResult>;
  /** Stops the generation (or drops the request from the queue) and frees its cache. */
  cancel(): void;
}

export interface EngineStats {
  /** Generations running (each holds a cache). */
  active: number;
  /** Requests waiting for a cache. */
  queued: number;
  maxQueue: number;
  contextLength: number;
  pool: PoolStats;
  /** Sequences in the last step's forward pass. */
  lastBatchSize: number;
  /** KV-cache room in blocks of `blockSize` positions: in use or kept for reuse, and free. */
  kv: { blockSize: number; used: number; free: number };
  requests: { accepted: number; rejected: number; completed: number; cancelled: number; failed: number };
  /** Ids generated, summed over finished (completed or cancelled) requests. */
  generatedTokens: number;
}

/** The wait queue is full (HTTP 503: try again later). */
export class QueueFullError extends Error {
  override name = "QueueFullError";
  constructor(readonly maxQueue: number) {
    super(`server busy: every cache is in use and ${maxQueue} requests are already waiting; retry later`);
  }
}

export class ServingEngine {
  readonly model: CausalLM;
  readonly tokenizer: Tokenizer;
  readonly template: ChatTemplate;
  readonly pool: PrefixCachePool;
  readonly contextLength: number;
  readonly maxQueue: number;
  private readonly eosIds: number[];
  private readonly chatStops: number[];
  /**
   * Texts of the chat stop ids (and ChatML's `<|im_end|>`): stop strings of every chat answer. A
   * completion is raw text and keeps them (as `llama-infer generate` prints it).
   */
  private readonly chatMarkers: string[];
  private readonly scheduler = new RoundRobinScheduler();
  private readonly waiting: GenerationTask[] = [];
  private readonly ctx: TaskContext;
  private readonly counts = { accepted: 0, rejected: 0, completed: 0, cancelled: 0, failed: 0 };
  private generated = 0;

  constructor(opts: ServingEngineOptions) {
    this.model = opts.model;
    this.tokenizer = opts.tokenizer;
    this.template = opts.template ?? ChatTemplate.forTokenizer(opts.tokenizer);
    this.eosIds = [...(opts.eosIds ?? [])];
    this.chatStops = chatStopIds(opts.tokenizer, this.template, this.eosIds);
    this.chatMarkers = stopMarkerTexts(opts.tokenizer, this.chatStops, this.template);
    const ctxLen = opts.contextLength ?? opts.model.config.maxSeqLen;
    if (!Number.isInteger(ctxLen) || ctxLen < 2 || ctxLen > opts.model.config.maxSeqLen) {
      throw new OptionError("contextLength", `must be an integer in [2, ${opts.model.config.maxSeqLen}] (the model's context length)`, ctxLen);
    }
    this.contextLength = ctxLen;
    const maxSessions = opts.maxSessions ?? 4;
    if (!Number.isInteger(maxSessions) || maxSessions < 1) throw new OptionError("maxSessions", "must be an integer ≥ 1", maxSessions);
    this.maxQueue = opts.maxQueue ?? 16;
    if (!Number.isInteger(this.maxQueue) || this.maxQueue < 0) throw new OptionError("maxQueue", "must be an integer ≥ 0", this.maxQueue);
    const prefillChunk = opts.prefillChunk ?? 64;
    if (!Number.isInteger(prefillChunk) || prefillChunk < 1) throw new OptionError("prefillChunk", "must be an integer ≥ 1", prefillChunk);
    this.pool = new PrefixCachePool(() => this.model.newCache(this.contextLength), maxSessions);
    this.ctx = {
      model: this.model,
      tokenizer: this.tokenizer,
      template: this.template,
      pool: this.pool,
      prefillChunk,
      finished: (task, result) => this.onFinished(task, result),
      ...(opts.observer === undefined ? {} : { tokenTiming: (ms: number, first: boolean) => (first ? opts.observer!.firstToken(ms) : opts.observer!.interToken(ms)) }),
    };
  }

  /** The prompt ids a request is answered from (what `usage.prompt_tokens` counts). */
  encodePrompt(prompt: ServePrompt): number[] {
    if ("messages" in prompt) return encodeChat(this.template, this.tokenizer, prompt.messages, true);
    if ("text" in prompt) return this.tokenizer.encode(prompt.text);
    return Array.from(prompt.ids);
  }

  /** Validates and queues a request; throws OptionError, PromptTooLongError or QueueFullError. */
  submit(req: ServeRequest): ServeJob {
    try {
      return this.accept(req);
    } catch (e) {
      this.counts.rejected++;
      throw e;
    }
  }

  private accept(req: ServeRequest): ServeJob {
    const sampler = new Sampler(req.sampling ?? {});
    const maxNewTokens = checkMaxNewTokens(req.maxTokens ?? Infinity);
    const stopStrings = checkStopStrings(req.stop ?? []);
    const promptIds = this.encodePrompt(req.prompt);
    if (promptIds.length === 0) throw new OptionError("prompt", "must encode to at least one token", "\"\"");
    const vocab = this.model.config.vocabSize;
    const bad = promptIds.findIndex((id) => !Number.isInteger(id) || id < 0 || id >= vocab);
    if (bad >= 0) throw new OptionError("prompt", `token ids must be integers in [0, ${vocab})`, promptIds[bad]);
    if (promptIds.length >= this.contextLength) throw new PromptTooLongError(promptIds.length, this.contextLength);
    const isChat = "messages" in req.prompt;
    const task = new GenerationTask(this.ctx, {
      promptIds,
      ...(isChat ? { messages: (req.prompt as { messages: readonly ChatMessage[] }).messages } : {}),
      sampler,
      stopIds: isChat ? this.chatStops : this.eosIds,
      stopStrings: isChat ? [...stopStrings, ...this.chatMarkers] : stopStrings,
      maxNewTokens,
      onText: req.onText,
    });
    const lease = this.waiting.length === 0 ? this.pool.acquire(promptIds) : null;
    if (lease !== null) {
      task.start(lease);
      this.scheduler.add(task);
    } else if (this.waiting.length < this.maxQueue) {
      this.waiting.push(task);
    } else {
      throw new QueueFullError(this.maxQueue);
    }
    this.counts.accepted++;
    return { promptTokens: promptIds.length, seed: sampler.seed, result: task.result, cancel: () => task.cancel() };
  }

  stats(): EngineStats {
    const pool = this.pool.stats();
    return {
      active: this.scheduler.active,
      queued: this.waiting.length,
      maxQueue: this.maxQueue,
      contextLength: this.contextLength,
      pool,
      // One sequence per forward pass (the round-robin scheduler); a block is a whole cache.
      lastBatchSize: this.scheduler.active > 0 ? 1 : 0,
      kv: { blockSize: this.contextLength, used: pool.size, free: pool.capacity - pool.size },
      requests: { ...this.counts },
      generatedTokens: this.generated,
    };
  }

  /** Resolves when nothing is running or waiting. */
  async idle(): Promise<void> {
    // Waiting requests only exist while every cache is held by a running one.
    while (this.scheduler.active > 0) await this.scheduler.idle();
  }

  private onFinished(task: GenerationTask, result: ServeResult | null): void {
    const i = this.waiting.indexOf(task);
    if (i >= 0) this.waiting.splice(i, 1);
    if (result === null || result.finishReason === "cancelled") {
      if (result === null) this.counts.failed++;
      else this.counts.cancelled++;
    } else {
      this.counts.completed++;
    }
    this.generated += result?.completionTokens ?? 0;
    this.admitWaiting();
  }

  /** Starts waiting requests, oldest first, while caches are free. */
  private admitWaiting(): void {
    while (this.waiting.length > 0) {
      const lease = this.pool.acquire(this.waiting[0]!.promptIds);
      if (lease === null) return;
      const task = this.waiting.shift()!;
      task.start(lease);
      this.scheduler.add(task);
    }
  }
}

function checkStopStrings(stop: readonly string[]): string[] {
  if (!Array.isArray(stop)) throw new OptionError("stop", "must be a list of strings", stop);
  for (const s of stop) {
    if (typeof s !== "string" || s.length === 0) throw new OptionError("stop", "must hold non-empty strings only", JSON.stringify(s));
  }
  return [...stop];
}
