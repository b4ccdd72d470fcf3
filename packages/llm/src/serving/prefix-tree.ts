/**
 * A radix tree of cached token prefixes over the blocks of a paged KV cache (SGLang's
 * RadixAttention, at block granularity): every request reuses the longest prefix of its prompt
 * that any earlier request computed, whatever conversation it came from.
 *
 * Each node is one block: a full block holds `blockSize` tokens and may have children (the
 * blocks that followed it); a partial block (fewer tokens, the tail of a finished sequence) is
 * always a leaf. A node's key is its tokens, so a path from the root spells a prefix.
 *
 *   match(ids)   the full blocks along ids (shared as they are: refcount + 1), then the child
 *                sharing the longest run of the next tokens: those positions are copied into a
 *                new block of the request's own (copy-on-write inside a block), since the
 *                request will write the rest of that block itself;
 *   insert(...)  a sequence's blocks become nodes (a block already present under the same key is
 *                kept; the sequence's duplicate is simply released);
 *   evict()      frees the least recently used leaf that no running sequence uses.
 */
import type { BlockAllocator } from "./block-allocator.js";

interface Node {
  tokens: number[];
  block: number;
  parent: Node | null;
  children: Map<string, Node>;
  lastUsed: number;
}

export interface PrefixMatch {
  /** Shared full blocks (already retained for the caller), in order. */
  blocks: number[];
  /** A block whose first `count` positions continue the match (copy them; do not write into it). */
  partial: { block: number; count: number } | null;
  /** Tokens found: blocks.length · blockSize + (partial?.count ?? 0). */
  tokens: number;
}

export class PrefixTree {
  private readonly root: Node = { tokens: [], block: -1, parent: null, children: new Map(), lastUsed: 0 };
  private readonly nodes = new Set<Node>();
  private clock = 0;
  /** Blocks evicted since creation. */
  evictions = 0;

  constructor(private readonly alloc: BlockAllocator) {
    alloc.evict = () => this.evict();
  }

  get size(): number {
    return this.nodes.size;
  }

  /** The longest cached prefix of ids[0, maxTokens) (see the file comment). */
  match(ids: readonly number[], maxTokens: number): PrefixMatch {
    const bs = this.alloc.blockSize;
    const now = ++this.clock;
    const blocks: number[] = [];
    let node = this.root;
    let pos = 0;
    while (pos + bs <= maxTokens) {
      const child = node.children.get(key(ids, pos, pos + bs));
      if (child === undefined) break;
      child.lastUsed = now;
      this.alloc.retain(child.block);
      blocks.push(child.block);
      node = child;
      pos += bs;
    }
    let partial: PrefixMatch["partial"] = null;
    const limit = Math.min(bs, maxTokens - pos);
    for (const child of node.children.values()) {
      let n = 0;
      while (n < limit && n < child.tokens.length && child.tokens[n] === ids[pos + n]) n++;
      if (n > (partial?.count ?? 0)) partial = { block: child.block, count: n };
      if (partial !== null && partial.count === limit) break;
    }
    if (partial !== null) this.touch(node, partial.block, now);
    return { blocks, partial, tokens: pos + (partial?.count ?? 0) };
  }

  /**
   * Records that `table` holds the keys/values of ids[0, length): its full blocks, and with
   * `withTail` its last partial block (only once nothing will write into it again).
   */
  insert(ids: readonly number[], table: readonly number[], length: number, withTail: boolean): void {
    const bs = this.alloc.blockSize;
    const now = ++this.clock;
    let node = this.root;
    let pos = 0;
    for (let j = 0; pos < length; j++, pos += bs) {
      const end = Math.min(pos + bs, length);
      if (end - pos < bs && !withTail) return;
      const k = key(ids, pos, end);
      let child = node.children.get(k);
      if (child === undefined) {
        if (this.alloc.isCached(table[j]!)) return; // already a node elsewhere (never two nodes per block)
        child = { tokens: ids.slice(pos, end), block: table[j]!, parent: node, children: new Map(), lastUsed: now };
        node.children.set(k, child);
        this.nodes.add(child);
        this.alloc.markCached(child.block);
      }
      child.lastUsed = now;
      if (end - pos < bs) return; // a partial block is a leaf
      node = child;
    }
  }

  /** Frees the least recently used leaf no running sequence uses; false if there is none. */
  evict(): boolean {
    let victim: Node | null = null;
    for (const n of this.nodes) {
      if (n.children.size > 0 || this.alloc.refcount(n.block) > 0) continue;
      if (victim === null || n.lastUsed < victim.lastUsed) victim = n;
    }
    if (victim === null) return false;
    victim.parent!.children.delete(key(victim.tokens, 0, victim.tokens.length));
    this.nodes.delete(victim);
    this.alloc.uncache(victim.block);
    this.evictions++;
    return true;
  }

  private touch(parent: Node, block: number, now: number): void {
    for (const c of parent.children.values()) if (c.block === block) c.lastUsed = now;
  }
}

function key(ids: readonly number[], start: number, end: number): string {
  return ids.slice(start, end).join(",");
}
