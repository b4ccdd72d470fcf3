/**
 * A pool of KV caches keyed by the tokens they hold, for a server that keeps no session state:
 * each request gets the cache whose tokens share the longest prefix with its prompt, cut back to
 * that common prefix, so only the rest of the prompt is fed.
 *
 * Which cache a prompt gets (the slot-similarity idea of llama.cpp's server):
 *   1. "the same conversation": an idle cache whose tokens are all a prefix of the prompt (a next
 *      turn), or that shares at least half of the prompt (a regenerated or edited turn: rollback,
 *      the cache is truncated to the common prefix); the longest common prefix wins;
 *   2. else a new cache, while the pool holds fewer than `capacity`;
 *   3. else the least recently used idle cache is evicted (its common prefix with the prompt,
 *      e.g. BOS and a shared system message, is still reused);
 *   4. else (every cache busy) null: the caller waits for a release.
 * The half-the-prompt rule keeps a new conversation that only shares a template header or a
 * system message from rolling back another conversation's cache while there is room.
 *
 * Memory is bounded: at most `capacity` caches exist, each made once and reused.
 */
import type { KVCache } from "../models/causal-lm.js";

interface PoolEntry {
  readonly cache: KVCache;
  /** Ids whose keys/values the cache holds: positions [0, cache.position). */
  tokens: number[];
  busy: boolean;
  /** Value of the pool's clock at the last acquire/release (LRU order). */
  lastUsed: number;
}

/** A cache handed out for one request; give it back with `release`. */
export interface CacheLease {
  readonly cache: KVCache;
  /** Prompt tokens already in the cache (not to be fed again): cache.position at acquire. */
  readonly cachedTokens: number;
  /** How the cache was chosen. */
  readonly kind: "reuse" | "rollback" | "new" | "evict";
}

export interface PoolStats {
  /** Caches allocated (≤ capacity). */
  size: number;
  capacity: number;
  /** Caches in use by a request. */
  busy: number;
  /** Requests that found at least one of their prompt tokens cached. */
  hits: number;
  /** Requests that found none. */
  misses: number;
  /** Caches of another conversation given to a new one (LRU). */
  evictions: number;
  /** Caches of the same conversation truncated to the common prefix (regenerate, edit). */
  rollbacks: number;
  /** Prompt tokens served from caches, summed over requests. */
  cachedTokens: number;
  /** Prompt tokens, summed over requests. */
  promptTokens: number;
}

interface Lease extends CacheLease {
  readonly entry: PoolEntry;
}

export class PrefixCachePool {
  private readonly entries: PoolEntry[] = [];
  private clock = 0;
  private readonly counters = { hits: 0, misses: 0, evictions: 0, rollbacks: 0, cachedTokens: 0, promptTokens: 0 };

  constructor(
    /** Makes an empty cache (called at most `capacity` times). */
    private readonly newCache: () => KVCache,
    readonly capacity: number,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`PrefixCachePool: capacity must be an integer ≥ 1, got ${capacity}`);
  }

  /**
   * A cache for `promptIds`, truncated to the tokens it shares with them (at most
   * promptIds.length − 1: the last prompt token is always fed, for its logits), or null when
   * every cache is busy and the pool is full.
   */
  acquire(promptIds: readonly number[]): CacheLease | null {
    const n = promptIds.length;
    if (n === 0) throw new RangeError("PrefixCachePool.acquire: the prompt is empty");
    let best: PoolEntry | null = null;
    let bestCommon = -1;
    let lru: PoolEntry | null = null;
    let empty: PoolEntry | null = null;
    for (const e of this.entries) {
      if (e.busy) continue;
      if (e.tokens.length === 0) {
        empty ??= e;
        continue;
      }
      if (lru === null || e.lastUsed < lru.lastUsed) lru = e;
      const common = commonPrefixLength(e.tokens, promptIds);
      const sameConversation = common === e.tokens.length || 2 * common >= n;
      if (sameConversation && (common > bestCommon || (common === bestCommon && e.lastUsed > best!.lastUsed))) {
        best = e;
        bestCommon = common;
      }
    }
    let entry: PoolEntry;
    let kind: CacheLease["kind"];
    if (best !== null) {
      entry = best;
      kind = bestCommon < best.tokens.length ? "rollback" : "reuse";
    } else if (empty !== null) {
      entry = empty;
      kind = "new";
    } else if (this.entries.length < this.capacity) {
      entry = { cache: this.newCache(), tokens: [], busy: false, lastUsed: 0 };
      this.entries.push(entry);
      kind = "new";
    } else if (lru !== null) {
      entry = lru;
      kind = "evict";
    } else {
      return null;
    }
    const keep = Math.min(commonPrefixLength(entry.tokens, promptIds), n - 1);
    if (kind === "rollback") this.counters.rollbacks++;
    if (kind === "evict") this.counters.evictions++;
    entry.cache.truncate(Math.min(keep, entry.cache.position));
    entry.tokens.length = entry.cache.position;
    entry.busy = true;
    entry.lastUsed = ++this.clock;
    const cachedTokens = entry.cache.position;
    if (cachedTokens > 0) this.counters.hits++;
    else this.counters.misses++;
    this.counters.cachedTokens += cachedTokens;
    this.counters.promptTokens += n;
    const lease: Lease = { cache: entry.cache, cachedTokens, kind, entry };
    return lease;
  }

  /**
   * Gives a cache back. `tokens` are the ids of positions [0, cache.position) (more may be given:
   * only that many are kept). After a failure whose cache state is unknown, pass `[]` after
   * `cache.clear()`.
   */
  release(lease: CacheLease, tokens: readonly number[]): void {
    const entry = (lease as Lease).entry;
    if (entry === undefined || !this.entries.includes(entry)) throw new Error("PrefixCachePool.release: not a lease of this pool");
    if (!entry.busy) throw new Error("PrefixCachePool.release: this lease was released already");
    const pos = entry.cache.position;
    if (tokens.length < pos) throw new RangeError(`PrefixCachePool.release: ${tokens.length} tokens given for a cache holding ${pos} positions`);
    entry.tokens = tokens.slice(0, pos);
    entry.busy = false;
    entry.lastUsed = ++this.clock;
  }

  /** Forgets what the idle caches hold (their memory stays allocated for reuse). */
  clear(): void {
    for (const e of this.entries) {
      if (e.busy) continue;
      e.cache.clear();
      e.tokens = [];
    }
  }

  /** True when a request can get a cache now (one is idle, or there is room for a new one). */
  get hasFreeCache(): boolean {
    return this.entries.length < this.capacity || this.entries.some((e) => !e.busy);
  }

  stats(): PoolStats {
    return {
      size: this.entries.length,
      capacity: this.capacity,
      busy: this.entries.filter((e) => e.busy).length,
      ...this.counters,
    };
  }
}

export function commonPrefixLength(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}
