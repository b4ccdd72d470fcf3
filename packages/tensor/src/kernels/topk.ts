import { ShapeError } from "../errors.js";

/**
 * The k largest values of x, descending; ties go to the lower index first; NaN ranks below
 * everything (so it is picked last). A size-k min-heap makes it O(n log k), which matters for
 * top-k sampling over a 32k vocabulary.
 */
export function topK(x: Float32Array, k: number): { values: Float32Array; indices: Int32Array } {
  const n = x.length;
  if (!Number.isInteger(k) || k < 0 || k > n) throw new ShapeError(`topK: k must be an integer in [0, ${n}], got ${k}`);
  // better(i, j): element i ranks above element j.
  const better = (i: number, j: number): boolean => {
    const a = x[i]!;
    const b = x[j]!;
    if (a !== a) return b !== b && i < j;
    if (b !== b) return true;
    return a > b || (a === b && i < j);
  };
  // Min-heap (the root is the worst of the kept k) of indices.
  const heap = new Int32Array(k);
  let size = 0;
  const siftDown = (pos: number) => {
    for (;;) {
      const l = 2 * pos + 1;
      const r = l + 1;
      let worst = pos;
      if (l < size && better(heap[worst]!, heap[l]!)) worst = l;
      if (r < size && better(heap[worst]!, heap[r]!)) worst = r;
      if (worst === pos) return;
      const t = heap[pos]!;
      heap[pos] = heap[worst]!;
      heap[worst] = t;
      pos = worst;
    }
  };
  if (k > 0) {
    for (let i = 0; i < n; i++) {
      if (size < k) {
        // sift up
        let pos = size++;
        heap[pos] = i;
        while (pos > 0) {
          const parent = (pos - 1) >> 1;
          if (!better(heap[parent]!, heap[pos]!)) break;
          const t = heap[pos]!;
          heap[pos] = heap[parent]!;
          heap[parent] = t;
          pos = parent;
        }
      } else if (better(i, heap[0]!)) {
        heap[0] = i;
        siftDown(0);
      }
    }
  }
  const order = Array.from(heap);
  order.sort((i, j) => (better(i, j) ? -1 : better(j, i) ? 1 : 0));
  const indices = new Int32Array(k);
  const values = new Float32Array(k);
  for (let t = 0; t < k; t++) {
    indices[t] = order[t]!;
    values[t] = x[order[t]!]!;
  }
  return { values, indices };
}
