/**
 * Autoregressive generation: prefill the prompt, then sample → yield → feed one token at a time.
 *
 * `generate` validates eagerly (a too-long prompt throws at the call, not at the first `next()`)
 * and returns a generator that yields each new id as soon as it is sampled and *returns* a
 * GenerationResult (finish reason, ids, timings):
 *
 *   const gen = generate(model, ids, { maxNewTokens: 50, stopIds: eosIds });
 *   let step = gen.next();
 *   for (; !step.done; step = gen.next()) print(step.value);
 *   step.value.finishReason; // "stop" | "length"
 *
 * or `generateAll(…)` for the result alone. Stopping early is `gen.return()` (a `break` does it).
 */
import type { CausalLM, KVCache } from "./models/causal-lm.js";
import { OptionError } from "./sampling/options.js";
import { Sampler } from "./sampling/sampler.js";
import type { SamplingOptions } from "./sampling/options.js";
import { yieldToEvents } from "./training/yield-to-events.js";

// The text of a generation as it reads after its prompt (streaming).
export { ContinuationDecoder } from "./continuation-decoder.js";

/** "stop": a stop id was sampled; "length": maxNewTokens reached or the context is full. */
export type FinishReason = "stop" | "length";

export interface GenerateOptions {
  /** A Sampler (keeps its generator state across calls), or options for a new one. Default: greedy. */
  sampler?: Sampler | SamplingOptions;
  /** At most this many new ids. Default: until a stop id or the context is full. */
  maxNewTokens?: number;
  /** Ids that end the generation (the loader's eos ids); the stop id is not yielded. */
  stopIds?: Iterable<number>;
  /**
   * Continue from this cache. It must hold the keys/values of promptIds[0, cache.position) (the
   * caller's promise; ChatSession checks it by common prefix): only the rest of the prompt is fed.
   * If it holds the whole prompt or more, it is cut to promptIds.length − 1 so the last prompt
   * token is fed again for its logits. Default: a fresh cache.
   */
  cache?: KVCache;
}

export interface GenerationResult {
  finishReason: FinishReason;
  /** The sampled stop id (not yielded, not fed to the cache) when finishReason is "stop". */
  stopId?: number;
  /** The yielded ids. */
  ids: number[];
  /** Prompt length in tokens. */
  promptTokens: number;
  /** Prompt tokens actually fed (promptTokens minus those found in the cache). */
  prefillTokens: number;
  /** Time of the prefill forward pass. */
  prefillMs: number;
  /** From the start to the first sampled id (prefill + first sample). */
  firstTokenMs: number;
  /** Forward passes after the prefill (one per fed id; the stop id's sampling step is counted in decodeMs). */
  decodeSteps: number;
  /** Forward + sample time of the decode steps after the first id (consumer time excluded). */
  decodeMs: number;
  /** The cache used (positions [0, cache.position) hold prompt + ids except the last id). */
  cache: KVCache;
}

/** A prompt that does not leave room for a new token in the context. */
export class PromptTooLongError extends Error {
  override name = "PromptTooLongError";
  constructor(
    readonly promptTokens: number,
    readonly contextLength: number,
  ) {
    super(
      `prompt is ${promptTokens} tokens; context length is ${contextLength}` +
        (promptTokens === contextLength ? " (no room left for a new token)" : ""),
    );
  }
}

/** Validates a maxNewTokens value (OptionError naming it). */
export function checkMaxNewTokens(v: unknown): number {
  if (v === Infinity) return v;
  if (typeof v !== "number" || !Number.isInteger(v) || v < 1) throw new OptionError("maxNewTokens", "must be an integer ≥ 1", v);
  return v;
}

export function generate(
  model: CausalLM,
  promptIds: ArrayLike<number>,
  options: GenerateOptions = {},
): Generator<number, GenerationResult, undefined> {
  const maxNewTokens = checkMaxNewTokens(options.maxNewTokens ?? Infinity);
  const sampler = options.sampler instanceof Sampler ? options.sampler : new Sampler(options.sampler ?? { temperature: 0 });
  const cache = options.cache ?? model.newCache();
  const n = promptIds.length;
  if (n === 0) throw new RangeError("generate: the prompt is empty; it needs at least one token (e.g. BOS)");
  if (n >= cache.maxLen) throw new PromptTooLongError(n, cache.maxLen);
  if (cache.position >= n) cache.truncate(n - 1);
  const stopIds = new Set(options.stopIds ?? []);
  return run(model, Array.from(promptIds), { maxNewTokens, sampler, cache, stopIds });
}

function* run(
  model: CausalLM,
  prompt: number[],
  o: { maxNewTokens: number; sampler: Sampler; cache: KVCache; stopIds: Set<number> },
): Generator<number, GenerationResult, undefined> {
  const { cache, sampler, stopIds } = o;
  const history = prompt.slice();
  const ids: number[] = [];
  const t0 = performance.now();
  const fed = prompt.slice(cache.position);
  let logits = model.forward(fed, cache);
  const prefillMs = performance.now() - t0;
  let firstTokenMs = 0;
  let decodeMs = 0;
  let decodeSteps = 0;
  const finish = (finishReason: FinishReason, stopId?: number): GenerationResult => ({
    finishReason,
    ...(stopId === undefined ? {} : { stopId }),
    ids,
    promptTokens: prompt.length,
    prefillTokens: fed.length,
    prefillMs,
    firstTokenMs,
    decodeSteps,
    decodeMs,
    cache,
  });
  for (;;) {
    const t = performance.now();
    const id = sampler.sample(logits, history);
    if (ids.length === 0) firstTokenMs = performance.now() - t0;
    else decodeMs += performance.now() - t;
    if (stopIds.has(id)) return finish("stop", id);
    ids.push(id);
    history.push(id);
    yield id;
    // The last id is not fed: nothing would read its logits.
    if (ids.length >= o.maxNewTokens || history.length >= cache.maxLen) return finish("length");
    const tf = performance.now();
    logits = model.forward([id], cache);
    decodeMs += performance.now() - tf;
    decodeSteps++;
  }
}

/** Runs a generation to its end and returns its result (ids included). */
export function generateAll(model: CausalLM, promptIds: ArrayLike<number>, options: GenerateOptions = {}): GenerationResult {
  const gen = generate(model, promptIds, options);
  for (;;) {
    const step = gen.next();
    if (step.done) return step.value;
  }
}

/**
 * The same generation as an async generator that gives the event loop a turn after every token,
 * so a server stays responsive (and can see a client go away) while it generates. Validates at
 * the call, like `generate`.
 */
export function generateAsync(
  model: CausalLM,
  promptIds: ArrayLike<number>,
  options: GenerateOptions = {},
): AsyncGenerator<number, GenerationResult, undefined> {
  return yieldingToEventLoop(generate(model, promptIds, options));
}

async function* yieldingToEventLoop<T, R>(gen: Generator<T, R, undefined>): AsyncGenerator<T, R, undefined> {
  let done = false;
  try {
    for (;;) {
      const step = gen.next();
      if (step.done) {
        done = true;
        return step.value;
      }
      yield step.value;
      await yieldToEvents();
    }
  } finally {
    // The consumer stopped early: stop the inner generation too.
    if (!done) gen.return(undefined as R);
  }
}
