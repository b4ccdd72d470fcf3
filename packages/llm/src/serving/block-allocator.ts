/**
 * The blocks of a paged KV cache (PagedKV): which are free, and how many sequences use each.
 *
 * A block is in one of three states:
 *   in use   refcount > 0: in the block table of at least one running sequence;
 *   cached   refcount 0 but held by the prefix tree (its positions may be reused by a later
 *            request): evictable, least recently used first;
 *   free     on the free list.
 * `allocate` takes a free block, else asks the prefix tree to evict one (`evict`), else returns
 * null: the caller waits (or preempts), it never fails a request for lack of room.
 */
export class BlockAllocator {
  private readonly refs: Int32Array;
  private readonly cachedFlag: Uint8Array;
  private readonly free: number[] = [];
  /** Called when no block is free: frees one (evicting it from the prefix tree), or returns false. */
  evict: () => boolean = () => false;

  constructor(
    readonly numBlocks: number,
    readonly blockSize: number,
  ) {
    if (!Number.isInteger(numBlocks) || numBlocks < 1) throw new RangeError(`BlockAllocator: numBlocks must be an integer ≥ 1, got ${numBlocks}`);
    this.refs = new Int32Array(numBlocks);
    this.cachedFlag = new Uint8Array(numBlocks);
    // Lowest ids first (a stack popped from the end).
    for (let b = numBlocks - 1; b >= 0; b--) this.free.push(b);
  }

  /** A block with refcount 1, or null when every block is in use. */
  allocate(): number | null {
    if (this.free.length === 0 && !this.evict()) return null;
    const b = this.free.pop()!;
    this.refs[b] = 1;
    return b;
  }

  /** Blocks obtainable now: free ones plus cached ones nobody uses (an upper bound on evictable). */
  get available(): number {
    let n = this.free.length;
    for (let b = 0; b < this.numBlocks; b++) if (this.cachedFlag[b] === 1 && this.refs[b] === 0) n++;
    return n;
  }

  retain(b: number): void {
    this.refs[b]!++;
  }

  release(b: number): void {
    if (this.refs[b]! <= 0) throw new Error(`BlockAllocator.release: block ${b} is not in use`);
    if (--this.refs[b]! === 0 && this.cachedFlag[b] === 0) this.free.push(b);
  }

  refcount(b: number): number {
    return this.refs[b]!;
  }

  isCached(b: number): boolean {
    return this.cachedFlag[b] === 1;
  }

  /** The prefix tree took the block (it stays when its users release it). */
  markCached(b: number): void {
    this.cachedFlag[b] = 1;
  }

  /** The prefix tree dropped the block: free it if nobody uses it. */
  uncache(b: number): void {
    this.cachedFlag[b] = 0;
    if (this.refs[b] === 0) this.free.push(b);
  }

  stats(): { blocks: number; blockSize: number; inUse: number; cached: number; free: number } {
    let inUse = 0;
    let cached = 0;
    for (let b = 0; b < this.numBlocks; b++) {
      if (this.refs[b]! > 0) inUse++;
      else if (this.cachedFlag[b] === 1) cached++;
    }
    return { blocks: this.numBlocks, blockSize: this.blockSize, inUse, cached, free: this.free.length };
  }
}
