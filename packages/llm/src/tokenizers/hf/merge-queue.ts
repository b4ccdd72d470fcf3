/**
 * A binary min-heap of candidate merges ordered by (rank, position): the BPE loop always applies
 * the best-ranked adjacent pair, the leftmost one on ties, exactly like the Rust crate's
 * BinaryHeap<Merge>. Entries go stale when a neighbour merges first; the BPE loop checks and
 * skips those on pop instead of deleting them from the heap (lazy deletion keeps this tiny).
 */

export interface MergeCandidate {
  rank: number;
  /** Position (char index) of the left symbol. */
  pos: number;
  /** Ids of the pair when it was pushed, to detect staleness. */
  left: number;
  right: number;
}

export class MergeQueue {
  private readonly heap: MergeCandidate[] = [];

  get size(): number {
    return this.heap.length;
  }

  push(c: MergeCandidate): void {
    const h = this.heap;
    h.push(c);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!less(h[i]!, h[parent]!)) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }

  pop(): MergeCandidate | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last !== undefined) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && less(h[l]!, h[m]!)) m = l;
        if (r < h.length && less(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}

function less(a: MergeCandidate, b: MergeCandidate): boolean {
  return a.rank < b.rank || (a.rank === b.rank && a.pos < b.pos);
}
