import { heap } from "./heap.js";

/**
 * Putting a kernel's operands into WASM memory for one call.
 *
 * A WASM kernel reads and writes only its linear memory (heap.ts). For each Float32Array operand:
 *   - in the heap already (`heap.owns(arr)`, e.g. the data of a pinned tensor): its byteOffset is
 *     used as is, zero copy;
 *   - on the JS heap: it is copied into the scratch region before the call (if the kernel reads
 *     it) and copied back after (if the kernel writes it).
 * The scratch region is one heap block reused by every call and enlarged (release + alloc)
 * when a call needs more. Enlarging may grow the memory, which detaches every view of it, so
 * the addresses of in-heap operands are taken BEFORE reserving (their memory does not move, only
 * the views die) and every view used afterwards is made fresh from `heap.memory.buffer`.
 */

let scratchPtr = 0;
let scratchFloats = 0;

/**
 * Test hook: when set, the next reservation first grows the WASM memory by one page, as a real
 * growth would (views detach, generation bumps), without the 25% step of heap.ensure.
 */
export const scratchTesting = { growOnNextReserve: false };

/** A scratch block of at least nFloats floats (16-byte aligned); valid until the next call. May grow the heap. */
export function reserveScratch(nFloats: number): number {
  if (scratchTesting.growOnNextReserve) {
    scratchTesting.growOnNextReserve = false;
    heap.memory.grow(1);
    heap.generation++;
  }
  if (nFloats > scratchFloats) {
    if (scratchPtr !== 0) heap.release(scratchPtr);
    scratchFloats = Math.max(nFloats, Math.ceil(scratchFloats * 1.5), 1024);
    scratchPtr = heap.alloc(scratchFloats);
  }
  return scratchPtr;
}

/** Size of the scratch block now (floats), for tests and diagnostics. */
export function scratchSize(): number {
  return scratchFloats;
}

/** One operand of a kernel call: the first n floats of `array`, read and/or written by the kernel. */
export interface Operand {
  array: Float32Array;
  n: number;
  read: boolean;
  write: boolean;
}

/** Floats rounded up to a whole number of v128 (4 floats), so each region starts 16-byte aligned. */
export function roundUp4(n: number): number {
  return (n + 3) & ~3;
}

/** One distinct array among the operands (an array passed twice is one slot: in-place kernels). */
interface Slot {
  array: Float32Array;
  length: number; // array.length before the call (a detached view reports 0)
  n: number; // floats the kernel touches
  read: boolean;
  write: boolean;
  inHeap: boolean;
  addr: number;
}

/**
 * Runs `kernel(addrs, work)` with every operand at a WASM byte address (addrs[i] for ops[i]) and
 * `work` = the address of workFloats floats of scratch. Copies in the operands it reads and copies
 * back the ones it writes (for those not already in the heap). Returns, per operand, the array to
 * use afterwards: the original, or for in-heap operands a fresh view if the memory grew meanwhile.
 */
export function runInHeap(
  ops: readonly Operand[],
  workFloats: number,
  kernel: (addrs: number[], work: number) => void,
): Float32Array[] {
  const generation = heap.generation;
  const slots: Slot[] = [];
  const slotOf = ops.map((op) => {
    let s = slots.findIndex((slot) => slot.array === op.array);
    if (s < 0) {
      const inHeap = heap.owns(op.array);
      // In-heap addresses are taken now, before any allocation can detach the view.
      slots.push({ array: op.array, length: op.array.length, n: 0, read: false, write: false, inHeap, addr: inHeap ? op.array.byteOffset : 0 });
      s = slots.length - 1;
    }
    const slot = slots[s]!;
    slot.n = Math.max(slot.n, op.n);
    slot.read ||= op.read;
    slot.write ||= op.write;
    return s;
  });
  // Scratch layout: [work | copy of each operand not in the heap], each 16-byte aligned.
  let floats = roundUp4(workFloats);
  for (const slot of slots) if (!slot.inHeap) floats += roundUp4(slot.n);
  const work = reserveScratch(floats);
  let next = work + roundUp4(workFloats) * 4;
  const before = heap.memory.buffer;
  for (const slot of slots) {
    if (slot.inHeap) continue;
    slot.addr = next;
    next += roundUp4(slot.n) * 4;
    if (slot.read && slot.n > 0) new Float32Array(before, slot.addr, slot.n).set(slot.array.subarray(0, slot.n));
  }
  kernel(slotOf.map((s) => slots[s]!.addr), work);
  const after = heap.memory.buffer;
  for (const slot of slots) {
    if (!slot.inHeap && slot.write && slot.n > 0) slot.array.set(new Float32Array(after, slot.addr, slot.n));
  }
  return slotOf.map((s) => {
    const slot = slots[s]!;
    if (!slot.inHeap || heap.generation === generation) return slot.array;
    return new Float32Array(after, slot.addr, slot.length);
  });
}
