/**
 * A multi-turn chat over one KV cache.
 *
 * Each turn renders the *whole* conversation with the chat template, tokenizes it, and compares
 * it with the tokens already in the cache: the cache is cut to the common prefix and only the
 * rest is fed. Normally that rest is exactly the new user turn; when something earlier changed
 * (a rollback, a regenerate, an answer that re-tokenizes differently, dropped turns) the same
 * rule re-feeds just what is needed, so the cache can never disagree with the text.
 *
 * After an answer, the conversation is rendered again without the generation prompt and the
 * cache is brought up to it, so the answer's last token and the template's end-of-turn tokens
 * (`<|im_end|>\n` in ChatML) are in the cache before the next message arrives.
 *
 * Context overflow policy: older turns (a user message and the answers after it) are dropped,
 * oldest first, never the system message, until the prompt leaves room for
 * `min(maxNewTokens, contextLength / 4)` new tokens; they are gone from `messages` too, and the
 * shortened conversation is re-prefilled. If the system message and the new message alone leave
 * no room for a single new token, `send` refuses with a ChatOverflowError (nothing is changed).
 */
import { checkMaxNewTokens, generate, type FinishReason, type GenerationResult } from "../generate.js";
import type { CausalLM, KVCache } from "../models/causal-lm.js";
import { Sampler } from "../sampling/sampler.js";
import type { SamplingOptions } from "../sampling/options.js";
import { chatStopIds, encodeChat } from "../serving/chat-prompt.js";
import { commonPrefixLength } from "../serving/common-prefix.js";
import { StreamDecoder } from "../tokenizers/stream-decoder.js";
import type { Tokenizer } from "../tokenizers/tokenizer.js";
import { ChatTemplate, type ChatMessage } from "./template.js";

export interface ChatSessionOptions {
  /** Default: the tokenizer's template, else built-in ChatML. */
  template?: ChatTemplate;
  /** An optional system message, kept through resets and overflow. */
  system?: string;
  /** One Sampler for the whole session (its generator runs on across turns). Default: greedy. */
  sampler?: Sampler | SamplingOptions;
  /**
   * Extra stop ids (the loader's eos ids). The tokenizer's eos is always added, and so is
   * `<|im_end|>` when the template writes it and the vocabulary has it as one token (the rule of
   * the serving engine's `chatStopIds`, which computes it, so `chat` and `serve` stop at the same ids).
   */
  stopIds?: Iterable<number>;
  /** Default answer length limit. Default: until a stop id or the context is full. */
  maxNewTokens?: number;
  /** Cache length in positions. Default: the model's context length. */
  contextLength?: number;
}

export interface SendOptions {
  maxNewTokens?: number;
}

export interface TurnResult {
  /** The answer as recorded in `messages` (decoded, special tokens skipped). */
  text: string;
  finishReason: FinishReason;
  /** Tokens of the rendered conversation the answer was generated from. */
  promptTokens: number;
  /** Of those, found in the cache (not fed again). */
  reusedTokens: number;
  /** Messages dropped from the front to fit the context (0 normally). */
  droppedMessages: number;
  /** The generation itself (ids, timings, prefillTokens = promptTokens − reusedTokens). */
  generation: GenerationResult;
}

/** The new message cannot fit, even with every older turn dropped. */
export class ChatOverflowError extends Error {
  override name = "ChatOverflowError";
  constructor(
    readonly promptTokens: number,
    readonly contextLength: number,
    withSystem: boolean,
  ) {
    super(
      `message too long: ${withSystem ? "the system message and this message alone are" : "this message alone is"} ` +
        `${promptTokens} tokens; context length is ${contextLength} (room is needed for at least one answer token)`,
    );
  }
}

export class ChatSession {
  private history: ChatMessage[] = [];
  /** Ids whose keys/values are in the cache, positions [0, cache.position). */
  private cached: number[] = [];
  private readonly cache: KVCache;
  private readonly template: ChatTemplate;
  private readonly sampler: Sampler;
  private readonly stopIds: number[];
  private readonly system: string | undefined;
  private readonly defaultMaxNewTokens: number | undefined;

  constructor(
    readonly model: CausalLM,
    readonly tokenizer: Tokenizer,
    options: ChatSessionOptions = {},
  ) {
    this.template = options.template ?? ChatTemplate.forTokenizer(tokenizer);
    this.sampler = options.sampler instanceof Sampler ? options.sampler : new Sampler(options.sampler ?? { temperature: 0 });
    this.stopIds = chatStopIds(tokenizer, this.template, options.stopIds);
    this.system = options.system;
    this.defaultMaxNewTokens = options.maxNewTokens;
    this.cache = model.newCache(options.contextLength);
    this.reset();
  }

  get contextLength(): number {
    return this.cache.maxLen;
  }

  /** The conversation so far (system message first, if any). */
  get messages(): readonly ChatMessage[] {
    return this.history;
  }

  /** Ids currently in the KV cache (for inspection and tests). */
  get cachedIds(): readonly number[] {
    return this.cached;
  }

  /** Forgets the conversation (the system message stays) and empties the cache. */
  reset(): void {
    this.history = this.system === undefined ? [] : [{ role: "system", content: this.system }];
    this.cached = [];
    this.cache.clear();
  }

  /** Ids of a rendered conversation (serving's encodeChat: the one rule for chat prompts). */
  encode(messages: readonly ChatMessage[], addGenerationPrompt: boolean): number[] {
    return encodeChat(this.template, this.tokenizer, messages, addGenerationPrompt);
  }

  /**
   * Adds a user message and streams the answer as text pieces; the generator returns the
   * TurnResult. Throws ChatOverflowError at the call when the message cannot fit. Stopping early
   * (`return()`, a `break`) keeps the partial answer in the conversation.
   */
  send(user: string, opts: SendOptions = {}): Generator<string, TurnResult, undefined> {
    return this.respond([...this.history, { role: "user", content: user }], opts);
  }

  /** Answers the last user message again (after removing the answer to it, if any). */
  regenerate(opts: SendOptions = {}): Generator<string, TurnResult, undefined> {
    const msgs = [...this.history];
    while (msgs.length > 0 && msgs[msgs.length - 1]!.role === "assistant") msgs.pop();
    if (msgs.length === 0 || msgs[msgs.length - 1]!.role !== "user") throw new Error("regenerate: there is no user message to answer");
    return this.respond(msgs, opts);
  }

  /** Removes the last user message and its answer; returns false if there is none. The cache follows at the next turn. */
  undo(): boolean {
    const i = this.history.map((m) => m.role).lastIndexOf("user");
    if (i < 0) return false;
    this.history = this.history.slice(0, i);
    return true;
  }

  private respond(conversation: ChatMessage[], opts: SendOptions): Generator<string, TurnResult, undefined> {
    const maxNewTokens = opts.maxNewTokens ?? this.defaultMaxNewTokens;
    const ctx = this.cache.maxLen;
    const reserve = Math.max(1, Math.min(maxNewTokens ?? Infinity, Math.floor(ctx / 4)));
    let msgs = conversation;
    let ids = this.encode(msgs, true);
    let dropped = 0;
    while (ids.length + reserve > ctx) {
      const shorter = dropOldestTurn(msgs);
      if (shorter === null) break;
      dropped += msgs.length - shorter.length;
      msgs = shorter;
      ids = this.encode(msgs, true);
    }
    if (ids.length >= ctx) throw new ChatOverflowError(ids.length, ctx, msgs[0]?.role === "system");
    if (maxNewTokens !== undefined) checkMaxNewTokens(maxNewTokens);
    return this.stream(msgs, ids, { maxNewTokens, dropped });
  }

  /** Nothing changes (conversation, cache) until the first `next()`. */
  private *stream(
    msgs: ChatMessage[],
    promptIds: number[],
    info: { maxNewTokens: number | undefined; dropped: number },
  ): Generator<string, TurnResult, undefined> {
    // Reuse the longest common prefix of what the cache holds.
    const reused = Math.min(commonPrefixLength(this.cached, promptIds), promptIds.length - 1);
    this.cache.truncate(reused);
    this.cached.length = reused;
    this.history = msgs;
    const gen = generate(this.model, promptIds, {
      cache: this.cache,
      sampler: this.sampler,
      stopIds: this.stopIds,
      ...(info.maxNewTokens === undefined ? {} : { maxNewTokens: info.maxNewTokens }),
    });
    const decoder = new StreamDecoder(this.tokenizer, { skipSpecialTokens: true });
    const answer: number[] = [];
    let finished = false;
    try {
      let step = gen.next();
      for (; !step.done; step = gen.next()) {
        answer.push(step.value);
        const piece = decoder.push(step.value);
        if (piece !== "") yield piece;
      }
      const tail = decoder.flush();
      if (tail !== "") yield tail;
      const generation = step.value;
      const text = this.record(promptIds, answer);
      finished = true;
      this.syncCacheToConversation();
      return {
        text,
        finishReason: generation.finishReason,
        promptTokens: promptIds.length,
        reusedTokens: reused,
        droppedMessages: info.dropped,
        generation,
      };
    } finally {
      // Stopped early by the consumer: keep the partial answer (the cache catches up next turn).
      if (!finished) this.record(promptIds, answer);
    }
  }

  /** Appends the answer to the conversation and notes what the cache holds now. */
  private record(promptIds: number[], answer: number[]): string {
    const text = this.tokenizer.decode(answer, { skipSpecialTokens: true });
    this.history.push({ role: "assistant", content: text });
    // generate fed the prompt and every answer id but the last.
    this.cached = [...promptIds, ...answer].slice(0, this.cache.position);
    return text;
  }

  /** Feeds what the rendered conversation has beyond the cache (last answer id + end-of-turn tokens). */
  private syncCacheToConversation(): void {
    const ids = this.encode(this.history, false);
    if (ids.length > this.cache.maxLen) return; // the next turn drops old turns anyway
    const keep = commonPrefixLength(this.cached, ids);
    this.cache.truncate(keep);
    this.cached.length = keep;
    if (keep < ids.length) {
      this.model.forward(ids.slice(keep), this.cache);
      this.cached = ids;
    }
  }
}

/** The conversation without its oldest turn (first non-system message up to the next user message), or null if only the last user message is left. */
function dropOldestTurn(msgs: ChatMessage[]): ChatMessage[] | null {
  const start = msgs[0]?.role === "system" ? 1 : 0;
  let end = start + 1;
  while (end < msgs.length && msgs[end]!.role !== "user") end++;
  // Never drop the message being answered (the last user message).
  if (end >= msgs.length) return null;
  return [...msgs.slice(0, start), ...msgs.slice(end)];
}
