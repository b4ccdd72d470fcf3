import { heap } from "@mini/tensor";

/**
 * Takes every free byte of the WASM heap's memory (untouched blocks: no resident cost), so that
 * any further allocation would have to grow it; returns the blocks to release afterwards.
 */
export function fillHeap(): number[] {
  const blocks: number[] = [];
  while (heap.largestFreeBlock >= 16) blocks.push(heap.alloc(heap.largestFreeBlock / 4, { zero: false }));
  const top = heap.capacity - heap.topAddress;
  if (top >= 16) blocks.push(heap.alloc(Math.floor(top / 16) * 4, { zero: false }));
  return blocks;
}
