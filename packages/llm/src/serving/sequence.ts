/**
 * One request in the batch engine: its tokens, its block table, and its text.
 *
 *   waiting ──admit──▶ running ──▶ done
 *      ▲                  │
 *      └──── preempt ─────┘   (its blocks freed; it is re-admitted later and recomputes)
 *
 * `tokens` is the prompt followed by the generated ids; `position` of them have their keys and
 * values in the blocks of `table` (position p in table[⌊p / blockSize⌋]). Each engine step feeds
 * `pending()` (tokens[position …], cut to the step's budget): a chunk of the prompt, or the last
 * generated id. When a pass reaches the end of `tokens`, its logits give the next id (`accept`).
 * The last generated id is never fed: nothing would read its logits.
 */
import { ContinuationDecoder } from "../continuation-decoder.js";
import type { ChatMessage } from "../chat/template.js";
import type { Sampler } from "../sampling/sampler.js";
import { StreamDecoder } from "../tokenizers/stream-decoder.js";
import type { Tokenizer } from "../tokenizers/tokenizer.js";
import { StopStringMatcher } from "./stop-strings.js";
import { tokenLogprob, type TokenLogprob } from "./token-logprobs.js";

/** "cancelled": the client went away (or `cancel()` was called) before the end. */
export type ServeFinishReason = "stop" | "length" | "cancelled";

export interface ServeResult {
  /** The generated text, cut before the first stop string. */
  text: string;
  finishReason: ServeFinishReason;
  promptTokens: number;
  /** Prompt tokens found in the prefix cache (not computed again). */
  cachedTokens: number;
  /** Ids generated (the stop id excluded; ids after a stop string included). */
  completionTokens: number;
  /** The sampler's seed (given or drawn): the same request with it gives the same text. */
  seed: number;
  /** From submit to admission (waiting for KV-cache room). */
  queueMs: number;
  /** From submit to the first generated id (NaN if none). */
  firstTokenMs: number;
  /** From submit to the end. */
  totalMs: number;
  /** With `logprobs` asked for: every generated id's (a stop string's ids included, the stop id not). */
  logprobs?: TokenLogprob[];
}

export interface SequenceSpec {
  promptIds: number[];
  /** A chat answer (decoded on its own) rather than a completion (decoded after its prompt). */
  messages?: readonly ChatMessage[];
  sampler: Sampler;
  stopIds: readonly number[];
  stopStrings: readonly string[];
  maxNewTokens: number;
  /** Most positions the sequence may fill (the server's context length). */
  contextLength: number;
  /** Each piece of text as it is released, with the log-probabilities of the ids generated since the last piece (if asked for). */
  onText?: ((piece: string, logprobs: readonly TokenLogprob[]) => void) | undefined;
  /** Log-probabilities of each generated id with this many alternatives (0–20); undefined: none. */
  logprobs?: number | undefined;
  /**
   * For a chat: the ids of the conversation with this answer, rendered as the client will send
   * it back (its end-of-turn tokens included). After the answer, the cache is brought up to
   * them (see BatchScheduler.startSync), so the next turn finds all of it.
   */
  renderWithAnswer?: ((answer: string) => number[]) | undefined;
}

export class Sequence {
  readonly result: Promise<ServeResult>;
  tokens: number[];
  /** Blocks holding positions [0, position). */
  table: number[] = [];
  position = 0;
  /** Prompt tokens found in the prefix cache at the first admission. */
  cachedTokens = -1;
  /** The prompt's blocks went into the prefix tree (once, after its prefill). */
  promptShared = false;
  cancelled = false;
  state: "waiting" | "running" | "done" = "waiting";
  /** Answered; now feeding the rendered conversation for the next turn (no sampling). */
  syncing = false;
  /** A waiting request continues this conversation: its sync runs at once rather than in a spare step. */
  syncWanted = false;
  /** How it ended (set with the result, synchronously). */
  outcome: ServeFinishReason | "failed" | null = null;
  private resolve!: (r: ServeResult) => void;
  private reject!: (e: unknown) => void;
  private readonly decoder: { push(id: number): string; flush(): string };
  private readonly stops: StopStringMatcher;
  private readonly stopIds: Set<number>;
  private text = "";
  private readonly logprobs: TokenLogprob[] = [];
  /** logprobs handed to onText so far. */
  private logprobsSent = 0;
  private readonly tokenizer: Tokenizer;
  private final: ServeResult | null = null;
  private generated = 0;
  private readonly t0 = performance.now();
  private tAdmit = NaN;
  private tFirst = NaN;
  private tLast = NaN;

  constructor(
    readonly spec: SequenceSpec,
    tokenizer: Tokenizer,
    /** Told each generated id's timing: ms since submit (the first) or since the previous id. */
    private readonly timing?: (ms: number, first: boolean) => void,
  ) {
    this.tokens = spec.promptIds.slice();
    this.tokenizer = tokenizer;
    this.stops = new StopStringMatcher(spec.stopStrings);
    this.stopIds = new Set(spec.stopIds);
    // A chat answer reads on its own (HF decodes the new ids alone); a completion reads as the
    // continuation of its prompt (the leading space of its first word kept).
    this.decoder =
      spec.messages !== undefined ? new StreamDecoder(tokenizer, { skipSpecialTokens: true }) : new ContinuationDecoder(tokenizer, spec.promptIds);
    this.result = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  /** The text answered so far. */
  get answer(): string {
    return this.text;
  }

  /** Ids generated so far. */
  get completionTokens(): number {
    return this.generated;
  }

  get promptIds(): readonly number[] {
    return this.spec.promptIds;
  }

  /** Tokens not in the cache yet. */
  get pendingCount(): number {
    return this.tokens.length - this.position;
  }

  admitted(cached: number): void {
    this.state = "running";
    if (this.cachedTokens < 0) {
      this.cachedTokens = cached;
      this.tAdmit = performance.now();
    }
  }

  /**
   * The logits after the last token: samples the next id, streams its text; returns true when
   * the sequence is finished (a stop id, a stop string, max tokens, or a full context).
   */
  accept(logits: Float32Array): boolean {
    const id = this.spec.sampler.sample(logits, this.tokens);
    const now = performance.now();
    this.timing?.(this.generated === 0 ? now - this.t0 : now - this.tLast, this.generated === 0);
    if (this.generated === 0) this.tFirst = now;
    this.tLast = now;
    if (this.stopIds.has(id)) return this.finish("stop");
    if (this.spec.logprobs !== undefined) this.logprobs.push(tokenLogprob(this.tokenizer, logits, this.tokens, id, this.spec.logprobs));
    this.tokens.push(id);
    this.generated++;
    const match = this.stops.push(this.decoder.push(id));
    this.emit(match.text);
    if (match.stopped) return this.finish("stop");
    if (this.generated >= this.spec.maxNewTokens || this.tokens.length >= this.spec.contextLength) return this.finish("length");
    return false;
  }

  /**
   * Ends the generation: flushes held text (unless cancelled) and fixes the result, which
   * `settle` then delivers (the scheduler does, when the sequence retires or starts syncing).
   */
  finish(reason: ServeFinishReason): true {
    if (this.state === "done") return true;
    if (reason !== "cancelled" && !this.stops.stopped) {
      const tail = this.stops.push(this.decoder.flush());
      this.emit(tail.stopped ? tail.text : tail.text + this.stops.flush());
      if (this.stops.stopped) reason = "stop";
    }
    this.state = "done";
    this.outcome = reason;
    const now = performance.now();
    this.final = {
      text: this.text,
      finishReason: reason,
      promptTokens: this.spec.promptIds.length,
      cachedTokens: Math.max(0, this.cachedTokens),
      completionTokens: this.generated,
      seed: this.spec.sampler.seed,
      queueMs: (Number.isNaN(this.tAdmit) ? now : this.tAdmit) - this.t0,
      firstTokenMs: this.tFirst - this.t0,
      totalMs: now - this.t0,
      ...(this.spec.logprobs === undefined ? {} : { logprobs: this.logprobs }),
    };
    return true;
  }

  /** Delivers the result fixed by `finish`. */
  settle(): void {
    if (this.final !== null) this.resolve(this.final);
  }

  fail(error: unknown): void {
    if (this.state === "done") return;
    this.state = "done";
    this.outcome = "failed";
    this.reject(error);
  }

  private emit(piece: string): void {
    if (piece === "") return;
    this.text += piece;
    const logprobs = this.logprobs.slice(this.logprobsSent);
    this.logprobsSent = this.logprobs.length;
    try {
      this.spec.onText?.(piece, logprobs);
    } catch {
      // A consumer's failure (a closed socket) must not break the engine loop.
    }
  }
}
