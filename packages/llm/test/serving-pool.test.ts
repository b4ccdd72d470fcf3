import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { KVCache } from "../src/models/causal-lm.js";
import { PrefixCachePool, commonPrefixLength, type CacheLease } from "../src/serving/prefix-cache-pool.js";

/** A cache that only counts positions; `fill` stands for the forward passes of a request. */
class CountingCache implements KVCache {
  position = 0;
  constructor(readonly maxLen = 1000) {}
  truncate(pos: number): void {
    if (!Number.isInteger(pos) || pos < 0 || pos > this.position) throw new Error(`truncate(${pos}) with position ${this.position}`);
    this.position = pos;
  }
  clear(): void {
    this.position = 0;
  }
}

function pool(capacity: number): { pool: PrefixCachePool; made: CountingCache[] } {
  const made: CountingCache[] = [];
  const p = new PrefixCachePool(() => {
    const c = new CountingCache();
    made.push(c);
    return c;
  }, capacity);
  return { pool: p, made };
}

/** What a request does with its lease: feed the rest of the prompt and `answer`, give it back. */
function serve(p: PrefixCachePool, prompt: number[], answer: number[] = []): CacheLease {
  const lease = p.acquire(prompt);
  if (lease === null) throw new Error("no cache");
  const held = [...prompt, ...answer];
  (lease.cache as CountingCache).position = held.length;
  p.release(lease, held);
  return lease;
}

const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);

describe("PrefixCachePool", () => {
  it("reuses a conversation's cache for its next turn: only the new tokens are left to feed", () => {
    const { pool: p } = pool(2);
    serve(p, range(0, 10), range(100, 105)); // turn 1: prompt 10 + answer 5
    const turn2 = [...range(0, 10), ...range(100, 105), 7, 8, 9];
    const lease = p.acquire(turn2)!;
    expect(lease.kind).toBe("reuse");
    expect(lease.cachedTokens).toBe(15);
    expect(lease.cache.position).toBe(15);
    expect(p.stats()).toMatchObject({ size: 1, busy: 1, hits: 1, misses: 1, cachedTokens: 15, promptTokens: 28 });
  });

  it("keeps the last prompt token out of the cache when the whole prompt is cached", () => {
    const { pool: p } = pool(1);
    serve(p, range(0, 10), range(50, 60));
    const lease = p.acquire(range(0, 10))!;
    expect(lease.cachedTokens).toBe(9);
  });

  it("rolls back a regenerated turn: truncates to the common prefix and counts a rollback", () => {
    const { pool: p } = pool(4);
    serve(p, range(0, 20), range(100, 110));
    const lease = p.acquire(range(0, 20))!; // the same prompt again, the answer to be replaced
    expect(lease.kind).toBe("rollback");
    expect(lease.cachedTokens).toBe(19);
    expect(p.stats().rollbacks).toBe(1);
    expect(p.stats().size).toBe(1);
  });

  it("gives a new conversation a new cache while there is room, not another's prefix", () => {
    const { pool: p } = pool(2);
    serve(p, range(0, 40), range(100, 110));
    const other = [0, 1, 2, ...range(500, 530)]; // shares a 3-token header only
    const lease = p.acquire(other)!;
    expect(lease.kind).toBe("new");
    expect(lease.cachedTokens).toBe(0);
    expect(p.stats().size).toBe(2);
  });

  it("evicts the least recently used idle cache when full, still reusing its shared prefix", () => {
    const { pool: p, made } = pool(2);
    const a = serve(p, [0, 1, 2, ...range(10, 40)]);
    serve(p, [0, 1, 2, ...range(60, 90)]);
    serve(p, [0, 1, 2, ...range(10, 40), 5]); // a used again: b is now the least recent
    const c = p.acquire([0, 1, 2, ...range(200, 230)])!;
    expect(c.kind).toBe("evict");
    expect(c.cache).toBe(made[1]);
    expect(c.cache).not.toBe(a.cache);
    expect(c.cachedTokens).toBe(3);
    expect(p.stats().evictions).toBe(1);
    expect(made.length).toBe(2);
  });

  it("returns null when every cache is busy, and hands it out again after release", () => {
    const { pool: p } = pool(1);
    const held = p.acquire([1, 2, 3])!;
    expect(p.acquire([1, 2, 3])).toBeNull();
    expect(p.hasFreeCache).toBe(false);
    p.release(held, [1, 2, 3].slice(0, held.cache.position));
    expect(p.acquire([1, 2, 3])).not.toBeNull();
  });

  it("refuses a double release and a release with fewer tokens than the cache holds", () => {
    const { pool: p } = pool(1);
    const lease = p.acquire([1, 2, 3])!;
    (lease.cache as CountingCache).position = 3;
    expect(() => p.release(lease, [1, 2])).toThrow(/2 tokens given for a cache holding 3 positions/);
    p.release(lease, [1, 2, 3]);
    expect(() => p.release(lease, [1, 2, 3])).toThrow(/released already/);
  });

  it("property: a lease's cache holds exactly the prompt's common prefix with what it held (≤ n − 1), never more than `capacity` caches", () => {
    const token = fc.integer({ min: 0, max: 3 }); // a tiny alphabet makes shared prefixes common
    const request = fc.record({ prompt: fc.array(token, { minLength: 1, maxLength: 12 }), answer: fc.array(token, { maxLength: 6 }) });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3 }), fc.array(request, { minLength: 1, maxLength: 25 }), (capacity, requests) => {
        const { pool: p, made } = pool(capacity);
        const contents = new Map<KVCache, number[]>();
        for (const { prompt, answer } of requests) {
          const lease = p.acquire(prompt)!;
          const before = contents.get(lease.cache) ?? [];
          expect(lease.cachedTokens).toBe(Math.min(commonPrefixLength(before, prompt), prompt.length - 1));
          expect(lease.cache.position).toBe(lease.cachedTokens);
          const held = [...prompt, ...answer];
          (lease.cache as CountingCache).position = held.length;
          p.release(lease, held);
          contents.set(lease.cache, held);
        }
        expect(made.length).toBeLessThanOrEqual(capacity);
        const s = p.stats();
        expect(s.hits + s.misses).toBe(requests.length);
      }),
    );
  });
});
