/**
 * A seeded pseudo-random generator: xoshiro128** over 32-bit integers, seeded by splitmix32.
 * Integer arithmetic (Math.imul, >>>) gives the same stream on every machine and engine;
 * every random op in mini takes an Rng, so the same seed gives the same run.
 */
export interface Rng {
  /** Uniform in [0, 1), 32 bits of randomness. */
  uniform(): number;
  /** Standard normal (Box–Muller, cached second value). */
  normal(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** Raw 32-bit unsigned integer. */
  nextU32(): number;
  /** An independent generator derived from this one (for splitting streams). */
  fork(): Rng;
  /** The full state, JSON-safe (see RngState): save it to resume the exact same stream later. */
  getState(): RngState;
  /** Continues from a state made by getState (of this or any generator): the next draws are the ones that followed it. */
  setState(state: RngState): void;
}

/**
 * A generator's state as plain numbers, for checkpoints: the four 32-bit words of xoshiro128**,
 * then, if a normal() draw is cached (Box–Muller makes two at a time), that value (a float64,
 * exact through JSON).
 */
export type RngState = readonly number[];

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

class Xoshiro128 implements Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spare: number | null = null;

  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new Error(`createRng: seed must be a finite number, got ${seed}`);
    // Mix the high bits of large seeds in too, so seeds 1 and 2**32+1 differ.
    const sm = splitmix32((seed >>> 0) ^ Math.floor(seed / 4294967296));
    this.a = sm();
    this.b = sm();
    this.c = sm();
    this.d = sm();
  }

  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.b << 9) >>> 0;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    this.a >>>= 0;
    this.b >>>= 0;
    this.c >>>= 0;
    this.d >>>= 0;
    return result;
  }

  uniform(): number {
    return this.nextU32() / 4294967296;
  }

  normal(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    // 1 - u keeps the log argument in (0, 1].
    const u1 = 1 - this.uniform();
    const u2 = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u1));
    this.spare = r * Math.sin(2 * Math.PI * u2);
    return r * Math.cos(2 * Math.PI * u2);
  }

  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0) throw new Error(`Rng.int: n must be a positive integer, got ${n}`);
    return Math.floor(this.uniform() * n);
  }

  fork(): Rng {
    return new Xoshiro128(this.nextU32() ^ 0x5bd1e995);
  }

  getState(): RngState {
    const words = [this.a, this.b, this.c, this.d];
    return this.spare === null ? words : [...words, this.spare];
  }

  setState(state: RngState): void {
    checkState(state);
    [this.a, this.b, this.c, this.d] = state as [number, number, number, number];
    this.spare = state.length === 5 ? state[4]! : null;
  }
}

function checkState(state: RngState): void {
  const bad = (why: string): never => {
    const shown = Array.isArray(state) ? `[${state.join(", ")}]` : String(state);
    throw new Error(`Rng.setState: ${why}, got ${shown}`);
  };
  if (!Array.isArray(state) || (state.length !== 4 && state.length !== 5)) bad("state must be 4 words (+ an optional cached normal) from getState()");
  for (let i = 0; i < 4; i++) {
    const w = state[i];
    if (typeof w !== "number" || !Number.isInteger(w) || w < 0 || w > 0xffffffff) bad(`word ${i} must be an integer in [0, 2^32)`);
  }
  if (state[0] === 0 && state[1] === 0 && state[2] === 0 && state[3] === 0) bad("an all-zero state is not a valid xoshiro128** state");
  if (state.length === 5 && !Number.isFinite(state[4])) bad("the cached normal must be a finite number");
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/**
 * A generator whose stream depends only on `seed`. The seed is folded to 32 bits (low word XOR high
 * word), so seeds in [0, 2³²) all give different streams, while some outside it share one (−k and
 * k − 1, for instance).
 */
export function createRng(seed: number): Rng {
  return new Xoshiro128(seed);
}

/** A generator continuing from a saved state (`rng.getState()`). */
export function rngFromState(state: RngState): Rng {
  const rng = new Xoshiro128(0);
  rng.setState(state);
  return rng;
}
