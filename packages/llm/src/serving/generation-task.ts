/**
 * One request's generation, cut into scheduler steps:
 *
 *   queued ──start(lease)──▶ prefill ──▶ decode ──▶ done
 *
 *   prefill  the prompt tokens not found in the cache, `prefillChunk` per step, so a long prompt
 *            does not hold up the other clients' tokens; the last chunk goes to `generate`;
 *   decode   one `generate` step per scheduler step (forward + sample), its text decoded,
 *            filtered through the stop strings and handed to `onText`;
 *   done     after a chat answer, the conversation with that answer, rendered as the client will
 *            send it back, is fed up to its end (answer's last token + end-of-turn tokens: a few
 *            ids), so the next turn finds all of it in the cache; then the cache goes back.
 *
 * The cache's ids are tracked as `history` (prompt + generated ids): the cache always holds
 * history[0, cache.position), which is what the pool is told at release.
 */
import type { ChatMessage, ChatTemplate } from "../chat/template.js";
import { ContinuationDecoder } from "../continuation-decoder.js";
import { generate, type FinishReason, type GenerationResult } from "../generate.js";
import type { CausalLM } from "../models/causal-lm.js";
import type { Sampler } from "../sampling/sampler.js";
import { StreamDecoder } from "../tokenizers/stream-decoder.js";
import type { Tokenizer } from "../tokenizers/tokenizer.js";
import { encodeChat } from "./chat-prompt.js";
import type { CacheLease, PrefixCachePool } from "./prefix-cache-pool.js";
import { commonPrefixLength } from "./prefix-cache-pool.js";
import type { ScheduledTask } from "./scheduler.js";
import { StopStringMatcher } from "./stop-strings.js";

/** "cancelled": the client went away (or `cancel()` was called) before the end. */
export type ServeFinishReason = FinishReason | "cancelled";

export interface ServeResult {
  /** The generated text, cut before the first stop string. */
  text: string;
  finishReason: ServeFinishReason;
  promptTokens: number;
  /** Prompt tokens found in a pooled cache (not fed again). */
  cachedTokens: number;
  /** Ids generated (the stop id excluded; ids after a stop string included). */
  completionTokens: number;
  /** The sampler's seed (given or drawn): the same request with it gives the same text. */
  seed: number;
  /** From submit to the start of the generation (waiting for a free cache). */
  queueMs: number;
  /** From submit to the first generated id (NaN if none). */
  firstTokenMs: number;
  /** From submit to the end. */
  totalMs: number;
}

/** What a task needs from its engine. */
export interface TaskContext {
  readonly model: CausalLM;
  readonly tokenizer: Tokenizer;
  readonly template: ChatTemplate;
  readonly pool: PrefixCachePool;
  readonly prefillChunk: number;
  /** Called at each generated id: ms since submit (the first) or since the previous id. */
  tokenTiming?(ms: number, first: boolean): void;
  /** Called once the task gives its cache back (or never got one). */
  finished(task: GenerationTask, result: ServeResult | null): void;
}

export interface TaskSpec {
  promptIds: number[];
  /** The chat conversation the prompt was rendered from (the cache is synced to it + the answer). */
  messages?: readonly ChatMessage[];
  sampler: Sampler;
  stopIds: readonly number[];
  stopStrings: readonly string[];
  maxNewTokens: number;
  onText?: ((piece: string) => void) | undefined;
}

type State = "queued" | "prefill" | "decode" | "done";

export class GenerationTask implements ScheduledTask {
  readonly result: Promise<ServeResult>;
  private resolve!: (r: ServeResult) => void;
  private reject!: (e: unknown) => void;
  private state: State = "queued";
  private lease: CacheLease | null = null;
  private gen: Generator<number, GenerationResult, undefined> | null = null;
  private readonly history: number[];
  private readonly ids: number[] = [];
  private readonly decoder: { push(id: number): string; flush(): string };
  private readonly stops: StopStringMatcher;
  private text = "";
  private cancelled = false;
  private final: ServeResult | null = null;
  private failed = false;
  private readonly t0 = performance.now();
  private tStart = NaN;
  private tFirst = NaN;
  private tLast = NaN;

  constructor(
    private readonly ctx: TaskContext,
    readonly spec: TaskSpec,
  ) {
    this.history = spec.promptIds.slice();
    this.stops = new StopStringMatcher(spec.stopStrings);
    // A chat answer reads on its own (HF decodes the new ids alone); a completion reads as the
    // continuation of its prompt (the leading space of its first word kept).
    this.decoder =
      spec.messages !== undefined
        ? new StreamDecoder(ctx.tokenizer, { skipSpecialTokens: true })
        : new ContinuationDecoder(ctx.tokenizer, spec.promptIds);
    this.result = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  get promptIds(): readonly number[] {
    return this.spec.promptIds;
  }

  /** Admitted with a cache that holds the prompt's first `lease.cachedTokens` ids. */
  start(lease: CacheLease): void {
    this.lease = lease;
    this.state = "prefill";
    this.tStart = performance.now();
  }

  /** Stops at the next step (or now, if still queued); the result resolves as "cancelled". */
  cancel(): void {
    if (this.state === "done" || this.final !== null) return;
    this.cancelled = true;
    if (this.state === "queued") this.finish("cancelled");
  }

  step(): boolean {
    if (this.cancelled && this.final === null) return this.finish("cancelled");
    switch (this.state) {
      case "prefill":
        return this.prefillStep();
      case "decode":
        return this.decodeStep();
      default:
        return true;
    }
  }

  fail(error: unknown): void {
    // The cache may hold half-written positions: forget it.
    if (this.lease !== null) {
      this.lease.cache.clear();
      this.history.length = 0;
    }
    if (this.final === null) this.reject(error);
    this.failed = true;
    this.close();
  }

  private prefillStep(): boolean {
    const cache = this.lease!.cache;
    const n = this.spec.promptIds.length;
    if (n - cache.position > this.ctx.prefillChunk) {
      const end = cache.position + this.ctx.prefillChunk;
      this.ctx.model.forward(this.spec.promptIds.slice(cache.position, end), cache);
      return false;
    }
    // The last chunk and the first sample: one generate step.
    this.gen = generate(this.ctx.model, this.spec.promptIds, {
      cache,
      sampler: this.spec.sampler,
      stopIds: this.spec.stopIds,
      maxNewTokens: this.spec.maxNewTokens,
    });
    this.state = "decode";
    return this.decodeStep();
  }

  private decodeStep(): boolean {
    const step = this.gen!.next();
    if (step.done) return this.finish(step.value.finishReason);
    const id = step.value;
    const now = performance.now();
    if (this.ids.length === 0) this.tFirst = now;
    this.ctx.tokenTiming?.(this.ids.length === 0 ? now - this.t0 : now - this.tLast, this.ids.length === 0);
    this.tLast = now;
    this.ids.push(id);
    this.history.push(id);
    const match = this.stops.push(this.decoder.push(id));
    this.emit(match.text);
    if (match.stopped) {
      this.gen!.return(undefined as never);
      return this.finish("stop");
    }
    return false;
  }

  private finish(reason: ServeFinishReason): boolean {
    if (reason !== "cancelled" && !this.stops.stopped) {
      const tail = this.stops.push(this.decoder.flush());
      this.emit(tail.stopped ? tail.text : tail.text + this.stops.flush());
      if (tail.stopped) reason = "stop";
    }
    if (this.gen !== null && reason === "cancelled") this.gen.return(undefined as never);
    this.final = this.makeResult(reason);
    // Before the result is out, so a client's next turn finds the cache idle and complete.
    if (reason !== "cancelled" && this.spec.messages !== undefined && this.lease !== null) this.syncCacheToConversation();
    this.resolve(this.final);
    return this.close();
  }

  private emit(piece: string): void {
    if (piece === "") return;
    this.text += piece;
    try {
      this.spec.onText?.(piece);
    } catch {
      // A consumer's failure (a closed socket) must not break the generation loop.
    }
  }

  private makeResult(finishReason: ServeFinishReason): ServeResult {
    const now = performance.now();
    return {
      text: this.text,
      finishReason,
      promptTokens: this.spec.promptIds.length,
      cachedTokens: this.lease?.cachedTokens ?? 0,
      completionTokens: this.ids.length,
      seed: this.spec.sampler.seed,
      queueMs: (Number.isNaN(this.tStart) ? now : this.tStart) - this.t0,
      firstTokenMs: this.tFirst - this.t0,
      totalMs: now - this.t0,
    };
  }

  /**
   * Feeds what the rendered conversation (with this answer) has beyond the cache. Only an
   * optimisation for the next turn: if it fails, the cache is emptied and the answer stands.
   */
  private syncCacheToConversation(): void {
    try {
      this.feedConversation();
    } catch {
      this.lease!.cache.clear();
      this.history.length = 0;
    }
  }

  private feedConversation(): void {
    const cache = this.lease!.cache;
    const messages = [...this.spec.messages!, { role: "assistant", content: this.text }];
    const ids = encodeChat(this.ctx.template, this.ctx.tokenizer, messages, false);
    if (ids.length > cache.maxLen) return;
    const keep = commonPrefixLength(this.history.slice(0, cache.position), ids);
    cache.truncate(keep);
    if (keep < ids.length) this.ctx.model.forward(ids.slice(keep), cache);
    this.history.length = 0;
    for (const id of ids) this.history.push(id);
  }

  /** Gives the cache back and tells the engine. */
  private close(): boolean {
    if (this.state === "done") return true;
    this.state = "done";
    if (this.lease !== null) this.ctx.pool.release(this.lease, this.history.slice(0, this.lease.cache.position));
    this.ctx.finished(this, this.failed ? null : this.final);
    return true;
  }
}
