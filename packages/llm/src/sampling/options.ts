/**
 * Sampling options and their validation. Every rule lives here once: the processor factories and
 * `resolveSamplingOptions` both call these checks, so a bad value is rejected when the options are
 * built (never in the middle of a generation), with an error naming the option.
 */

export interface SamplingOptions {
  /** Logits are divided by it; 0 means greedy (argmax, ties → lowest id). Default 1. */
  temperature?: number;
  /** Keep the k most likely tokens; 0 disables. Default 0. */
  topK?: number;
  /** Keep the smallest set of most likely tokens whose probability mass reaches p, in (0, 1]; 1 disables. Default 1. */
  topP?: number;
  /** Drop tokens whose probability is below minP × the top probability, in [0, 1]; 0 disables. Default 0. */
  minP?: number;
  /** HF repetition penalty over every id seen so far (prompt and generated): logit > 0 ? logit / p : logit · p; 1 disables. Default 1. */
  repetitionPenalty?: number;
  /** Seed of the sampler's generator; a random one when omitted (read it back from `Sampler.seed`). */
  seed?: number;
}

export type ResolvedSamplingOptions = Required<SamplingOptions>;

/**
 * An option outside its domain: `option` is the option's field name (e.g. "topP", "maxNewTokens"),
 * `rule` what it must be. Front ends (the CLI, the server) rephrase it with their own option
 * spelling (`invalid --top-p: must be in (0, 1], got 1.5`).
 */
export class OptionError extends Error {
  override name = "OptionError";
  constructor(
    readonly option: string,
    /** The rule that was broken, e.g. "must be in (0, 1]". */
    readonly rule: string,
    readonly value: unknown,
  ) {
    super(`invalid ${option}: ${rule}, got ${String(value)}`);
  }
}

/** A sampling option outside its domain. */
export class SamplingOptionError extends OptionError {
  override name = "SamplingOptionError";
  constructor(
    override readonly option: keyof SamplingOptions,
    rule: string,
    value: unknown,
  ) {
    super(option, rule, value);
  }
}

function isNumber(v: unknown): v is number {
  return typeof v === "number" && !Number.isNaN(v);
}

export function checkTemperature(v: unknown): number {
  if (!isNumber(v) || !Number.isFinite(v) || v < 0) throw new SamplingOptionError("temperature", "must be a finite number ≥ 0", v);
  return v;
}

export function checkTopK(v: unknown): number {
  if (!isNumber(v) || !Number.isInteger(v) || v < 0) throw new SamplingOptionError("topK", "must be an integer ≥ 0 (0 disables)", v);
  return v;
}

export function checkTopP(v: unknown): number {
  if (!isNumber(v) || !(v > 0 && v <= 1)) throw new SamplingOptionError("topP", "must be in (0, 1]", v);
  return v;
}

export function checkMinP(v: unknown): number {
  if (!isNumber(v) || !(v >= 0 && v <= 1)) throw new SamplingOptionError("minP", "must be in [0, 1]", v);
  return v;
}

export function checkRepetitionPenalty(v: unknown): number {
  if (!isNumber(v) || !Number.isFinite(v) || v <= 0) throw new SamplingOptionError("repetitionPenalty", "must be a finite number > 0", v);
  return v;
}

export function checkSeed(v: unknown): number {
  if (!isNumber(v) || !Number.isSafeInteger(v) || v < 0) throw new SamplingOptionError("seed", "must be an integer ≥ 0", v);
  return v;
}

/** A seed for callers that gave none: 32 random bits (reported back so a run can be repeated). */
export function randomSeed(): number {
  return crypto.getRandomValues(new Uint32Array(1))[0]!;
}

/** Validates every field and fills the defaults (the no-op value of each processor). */
export function resolveSamplingOptions(o: SamplingOptions = {}): ResolvedSamplingOptions {
  return {
    temperature: checkTemperature(o.temperature ?? 1),
    topK: checkTopK(o.topK ?? 0),
    topP: checkTopP(o.topP ?? 1),
    minP: checkMinP(o.minP ?? 0),
    repetitionPenalty: checkRepetitionPenalty(o.repetitionPenalty ?? 1),
    seed: o.seed === undefined ? randomSeed() : checkSeed(o.seed),
  };
}
