/**
 * The model side of a chat/completions server: many requests at once on one model, with no
 * session state in the API.
 *
 *   const engine = new ServingEngine({ model, tokenizer, eosIds, kvCacheMb: 256 });
 *   const job = engine.submit({ prompt: { messages }, sampling: { temperature: 0 }, maxTokens: 64,
 *                               onText: (piece) => res.write(piece) });
 *   const result = await job.result;     // text, finishReason, promptTokens, cachedTokens, …
 *   job.cancel();                        // the client went away: stop and free its blocks
 *
 * `submit` validates everything at the call (an OptionError naming the option, a
 * PromptTooLongError naming both lengths, a QueueFullError), so a server can answer 400/503
 * before it sends anything. Accepted requests run by continuous batching (BatchScheduler: one
 * forward pass per step over every running sequence) on a paged KV cache of `kvCacheMb` with
 * prefix sharing (PrefixTree): any request reuses the longest prefix any earlier one computed.
 * At most `maxSessions` run at once; the rest wait (FIFO, at most `maxQueue`), also while the
 * cache is full: a request waits for room, it does not fail.
 */
import { ChatTemplate, type ChatMessage } from "../chat/template.js";
import { checkMaxNewTokens, PromptTooLongError } from "../generate.js";
import type { BatchedCausalLM, CausalLM, PagedKV } from "../models/causal-lm.js";
import { BatchedLlama } from "../models/llama/batched-llama.js";
import { LlamaModel } from "../models/llama/model.js";
import { OptionError, type SamplingOptions } from "../sampling/options.js";
import { Sampler } from "../sampling/sampler.js";
import type { Tokenizer } from "../tokenizers/tokenizer.js";
import { BatchScheduler } from "./batch-scheduler.js";
import { BlockAllocator } from "./block-allocator.js";
import { chatStopIds, encodeChat, stopMarkerTexts } from "./chat-prompt.js";
import { PrefixTree } from "./prefix-tree.js";
import { Sequence, type ServeResult } from "./sequence.js";
import { MAX_TOP_LOGPROBS, type TokenLogprob } from "./token-logprobs.js";

export interface ServingEngineOptions {
  /** A LlamaModel (batched by BatchedLlama) or any BatchedCausalLM. */
  model: CausalLM;
  tokenizer: Tokenizer;
  /** The model's eos ids (the loader's `eosTokenIds`): they end every generation. */
  eosIds?: Iterable<number>;
  /** Chat template. Default: the tokenizer's, else built-in ChatML. */
  template?: ChatTemplate;
  /** Generations running at once (the largest batch). Default 8. */
  maxSessions?: number;
  /** Requests that may wait; one more is refused (QueueFullError). Default 16. */
  maxQueue?: number;
  /** Positions per request (prompt + answer). Default: the model's context length. */
  contextLength?: number;
  /** Tokens per forward pass, summed over sequences (chunked prefill fills what decoding leaves). Default 64. */
  prefillChunk?: number;
  /** Memory of the paged KV cache, in MiB. Default: room for `maxSessions` full contexts. */
  kvCacheMb?: number;
  /** Positions per KV block. Default 16. */
  blockSize?: number;
  /** Told the timing of every generated id (a server's latency histograms). */
  observer?: TokenObserver;
  /**
   * Quiet time (ms) before a chat's deferred sync (the conversation re-fed for its next turn)
   * runs. Default 50: a client's next request, sent as soon as it has an answer, comes first.
   */
  idleSyncDelayMs?: number;
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
  /** Receives the text as it is generated (whole characters, stop strings held back), with the logprobs of its ids. */
  onText?: (piece: string, logprobs: readonly TokenLogprob[]) => void;
  /** Log-probabilities of each generated id, with this many alternatives (0–20). Default: none. */
  logprobs?: number;
}

export interface ServeJob {
  readonly promptTokens: number;
  readonly seed: number;
  readonly result: Promise<ServeResult>;
  /** Stops the generation (or drops the request from the queue) at the next step. */
  cancel(): void;
}

export interface EngineStats {
  /** Sequences running (prefilling or decoding). */
  active: number;
  /** Requests waiting (for a batch slot or KV-cache room). */
  queued: number;
  maxQueue: number;
  contextLength: number;
  /** Prefix reuse: requests that found cached tokens (hits) or none (misses), tokens, blocks evicted. */
  pool: { hits: number; misses: number; evictions: number; cachedTokens: number; promptTokens: number; preemptions: number };
  /** Sequences in the last step's forward pass. */
  lastBatchSize: number;
  /** KV-cache blocks: in use by running sequences, cached (reusable, evictable), free. */
  kv: { blockSize: number; blocks: number; used: number; cached: number; free: number; mb: number };
  requests: { accepted: number; rejected: number; completed: number; cancelled: number; failed: number };
  /** Ids generated, summed over finished (completed or cancelled) requests. */
  generatedTokens: number;
}

/** The wait queue is full (HTTP 503: try again later). */
export class QueueFullError extends Error {
  override name = "QueueFullError";
  constructor(readonly maxQueue: number) {
    super(`server busy: ${maxQueue} requests are already waiting; retry later`);
  }
}

export class ServingEngine {
  readonly model: BatchedCausalLM;
  readonly tokenizer: Tokenizer;
  readonly template: ChatTemplate;
  readonly contextLength: number;
  readonly maxQueue: number;
  readonly maxSessions: number;
  private readonly eosIds: number[];
  private readonly chatStops: number[];
  /** Texts of the chat stop ids (and ChatML's `<|im_end|>`): a model may spell them out in pieces. */
  private readonly chatMarkers: string[];
  private readonly kv: PagedKV;
  private readonly alloc: BlockAllocator;
  private readonly tree: PrefixTree;
  private readonly scheduler: BatchScheduler;
  private readonly kvMb: number;
  private readonly counts = { accepted: 0, rejected: 0, completed: 0, cancelled: 0, failed: 0 };
  private readonly reuse = { hits: 0, misses: 0, cachedTokens: 0, promptTokens: 0 };
  private generated = 0;
  private readonly observer: TokenObserver | undefined;
  /** The BatchedLlama made here around a LlamaModel (its packed lm_head is freed with the engine). */
  private readonly ownBatched: BatchedLlama | null;

  constructor(opts: ServingEngineOptions) {
    this.model = asBatched(opts.model);
    this.ownBatched = this.model !== opts.model && this.model instanceof BatchedLlama ? this.model : null;
    this.tokenizer = opts.tokenizer;
    this.template = opts.template ?? ChatTemplate.forTokenizer(opts.tokenizer);
    this.eosIds = [...(opts.eosIds ?? [])];
    this.chatStops = chatStopIds(opts.tokenizer, this.template, this.eosIds);
    this.chatMarkers = stopMarkerTexts(opts.tokenizer, this.chatStops, this.template);
    const maxLen = this.model.config.maxSeqLen;
    this.contextLength = opts.contextLength ?? maxLen;
    const int = (name: string, v: number, min: number, max = Infinity, why = "") => {
      if (!Number.isInteger(v) || v < min || v > max) throw new OptionError(name, `must be an integer in [${min}, ${max}]${why}`, v);
      return v;
    };
    int("contextLength", this.contextLength, 2, maxLen, " (the model's context length)");
    const maxSessions = int("maxSessions", opts.maxSessions ?? 8, 1, 1024);
    this.maxSessions = maxSessions;
    this.maxQueue = int("maxQueue", opts.maxQueue ?? 16, 0);
    const budget = int("prefillChunk", opts.prefillChunk ?? Math.min(64, this.model.maxBatchTokens), 1, this.model.maxBatchTokens, " (rows of one forward pass)");
    const blockSize = int("blockSize", opts.blockSize ?? 16, 1, 1024);
    // Room for one whole context (so any accepted request can run alone) plus one block.
    const blockBytes = this.model.kvBytesPerPosition * blockSize;
    const minBlocks = Math.ceil(this.contextLength / blockSize) + 1;
    const minMb = Math.ceil((minBlocks * blockBytes) / 2 ** 20);
    this.kvMb = opts.kvCacheMb ?? Math.max(minMb, Math.ceil((maxSessions * this.contextLength * this.model.kvBytesPerPosition) / 2 ** 20));
    const numBlocks = Math.floor((this.kvMb * 2 ** 20) / blockBytes);
    if (!(this.kvMb > 0) || numBlocks < minBlocks) {
      throw new OptionError("kvCacheMb", `must hold at least one full context of ${this.contextLength} positions: ≥ ${minMb} MiB for this model`, this.kvMb);
    }
    this.kv = this.model.newPagedKV(numBlocks, blockSize);
    this.alloc = new BlockAllocator(numBlocks, blockSize);
    this.tree = new PrefixTree(this.alloc);
    this.observer = opts.observer;
    this.scheduler = new BatchScheduler(this.model, this.kv, this.alloc, this.tree, {
      tokenBudget: budget,
      maxRunning: maxSessions,
      onAnswered: (seq) => this.onAnswered(seq),
      ...(opts.idleSyncDelayMs === undefined ? {} : { idleSyncDelayMs: int("idleSyncDelayMs", opts.idleSyncDelayMs, 0) }),
    });
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
    const lp = req.logprobs;
    if (lp !== undefined && !(Number.isInteger(lp) && lp >= 0 && lp <= MAX_TOP_LOGPROBS)) throw new OptionError("logprobs", `must be an integer in [0, ${MAX_TOP_LOGPROBS}]`, lp);
    const promptIds = this.encodePrompt(req.prompt);
    if (promptIds.length === 0) throw new OptionError("prompt", "must encode to at least one token", '""');
    const vocab = this.model.config.vocabSize;
    const bad = promptIds.findIndex((id) => !Number.isInteger(id) || id < 0 || id >= vocab);
    if (bad >= 0) throw new OptionError("prompt", `token ids must be integers in [0, ${vocab})`, promptIds[bad]);
    if (promptIds.length >= this.contextLength) throw new PromptTooLongError(promptIds.length, this.contextLength);
    // Waiting beyond the free batch slots (those start at the next step) is the queue.
    const freeSlots = Math.max(0, this.maxSessions - this.scheduler.slotsInUse);
    if (this.scheduler.waiting.length >= this.maxQueue + freeSlots) throw new QueueFullError(this.maxQueue);
    const isChat = "messages" in req.prompt;
    const timing = this.observer === undefined ? undefined : (ms: number, first: boolean) => (first ? this.observer!.firstToken(ms) : this.observer!.interToken(ms));
    const seq = new Sequence(
      {
        promptIds,
        ...(isChat ? { messages: (req.prompt as { messages: readonly ChatMessage[] }).messages } : {}),
        sampler,
        stopIds: isChat ? this.chatStops : this.eosIds,
        stopStrings: isChat ? [...stopStrings, ...this.chatMarkers] : stopStrings,
        maxNewTokens,
        contextLength: this.contextLength,
        onText: req.onText,
        logprobs: lp,
        ...(isChat ? { renderWithAnswer: (answer: string) => encodeChat(this.template, this.tokenizer, [...(req.prompt as { messages: readonly ChatMessage[] }).messages, { role: "assistant", content: answer }], false) } : {}),
      },
      this.tokenizer,
      timing,
    );
    this.scheduler.add(seq);
    this.counts.accepted++;
    return { promptTokens: promptIds.length, seed: sampler.seed, result: seq.result, cancel: () => (seq.cancelled = true) };
  }

  stats(): EngineStats {
    const kv = this.alloc.stats();
    return {
      active: this.scheduler.running.length,
      queued: this.scheduler.waiting.length,
      maxQueue: this.maxQueue,
      contextLength: this.contextLength,
      pool: { ...this.reuse, evictions: this.tree.evictions, preemptions: this.scheduler.preemptions },
      lastBatchSize: this.scheduler.lastBatchSize,
      kv: { blockSize: kv.blockSize, blocks: kv.blocks, used: kv.inUse, cached: kv.cached, free: kv.free, mb: this.kvMb },
      requests: { ...this.counts },
      generatedTokens: this.generated,
    };
  }

  /** Resolves when nothing is running or waiting. */
  idle(): Promise<void> {
    return this.scheduler.idle();
  }

  /** Frees the KV cache (the engine is unusable afterwards). */
  dispose(): void {
    this.kv.dispose();
    this.ownBatched?.dispose();
  }

  private onAnswered(seq: Sequence): void {
    if (seq.outcome === "failed") this.counts.failed++;
    else if (seq.outcome === "cancelled") this.counts.cancelled++;
    else this.counts.completed++;
    if (seq.outcome !== "failed") this.generated += seq.completionTokens;
    if (seq.cachedTokens >= 0) {
      // Admitted at least once: its prompt met the prefix cache.
      if (seq.cachedTokens > 0) this.reuse.hits++;
      else this.reuse.misses++;
      this.reuse.cachedTokens += seq.cachedTokens;
      this.reuse.promptTokens += seq.promptIds.length;
    }
  }
}

/** The model as a BatchedCausalLM (a LlamaModel is wrapped). */
function asBatched(model: CausalLM): BatchedCausalLM {
  if ("forwardBatch" in model) return model as BatchedCausalLM;
  if (model instanceof LlamaModel) return new BatchedLlama(model);
  throw new OptionError("model", "must support batched inference (a LlamaModel or a BatchedCausalLM)", model.constructor.name);
}

function checkStopStrings(stop: readonly string[]): string[] {
  if (!Array.isArray(stop)) throw new OptionError("stop", "must be a list of strings", stop);
  for (const s of stop) {
    if (typeof s !== "string" || s.length === 0) throw new OptionError("stop", "must hold non-empty strings only", JSON.stringify(s));
  }
  return [...stop];
}
