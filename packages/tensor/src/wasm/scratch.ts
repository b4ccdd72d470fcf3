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
 * when a call needs more. A call holding in-heap operands enlarges it with growth forbidden
 * (heap.frozen): growing the memory would detach those views (or, with a shared memory, leave
 * them outside the current buffer), so it throws HeapGrowthError naming the kernel instead. A
 * model reserves the scratch of its largest call at load (reserveScratch), so its passes never
 * enlarge it; a call on JS arrays only holds no view and may still grow the memory.
 */

let scratchPtr = 0;
let scratchFloats = 0;

/**
 * A scratch block of at least nFloats floats (16-byte aligned); valid until the next call. May grow
 * the heap (not inside heap.frozen: there it throws naming `what`).
 */
export function reserveScratch(nFloats: number, what = "kernel scratch"): number {
  if (nFloats > scratchFloats) {
    if (scratchPtr !== 0) heap.release(scratchPtr);
    const floats = Math.max(nFloats, Math.ceil(scratchFloats * 1.5), 1024);
    scratchPtr = 0;
    scratchFloats = 0;
    scratchPtr = heap.alloc(floats, { what: `${what} (${floats} floats of scratch)` });
    scratchFloats = floats;
  }
  return scratchPtr;
}

/**
 * reserveScratch with growth forbidden, for a call that holds views of the heap (see above). `what`
 * names the call; it is made only when the scratch must be enlarged.
 */
export function reserveScratchHoldingViews(nFloats: number, what: () => string): number {
  if (nFloats <= scratchFloats) return scratchPtr;
  const name = what();
  return heap.frozen(`${name} (its operands are in the heap)`, () => reserveScratch(nFloats, name));
}

/**
 * Frees the scratch block (it keeps the size of the biggest call so far, e.g. a copy of a large
 * unpinned weight); the next kernel call allocates a fresh one.
 */
export function releaseScratch(): void {
  if (scratchPtr !== 0) heap.release(scratchPtr);
  scratchPtr = 0;
  scratchFloats = 0;
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

// heap.memory.buffer is a slow accessor (a call into the engine, ~100 ns); kernels ask for it on every
// call, so it is cached and refreshed when the heap grew (generation) or the cache got detached.
let cachedBuffer = heap.memory.buffer;
let cachedGeneration = heap.generation;

/** The heap's current ArrayBuffer (cached). */
export function memoryBuffer(): ArrayBuffer {
  if (cachedGeneration !== heap.generation || cachedBuffer.byteLength === 0) {
    cachedBuffer = heap.memory.buffer;
    cachedGeneration = heap.generation;
  }
  return cachedBuffer;
}

/**
 * True when `a` is a view of the heap's current memory (a pinned tensor's data), so a kernel can
 * take its byteOffset as the address: the allocation-free fast path of the wrappers.
 */
export function inHeap(a: Float32Array): boolean {
  return a.buffer === memoryBuffer();
}

/** Index of the first operand holding the same array as ops[i] (an array passed twice shares one copy). */
function firstWithArray(ops: readonly Operand[], i: number): number {
  for (let j = 0; j < i; j++) if (ops[j]!.array === ops[i]!.array) return j;
  return i;
}

// A view of the whole heap, for copies at a float index without a view per operand (building a
// typed-array view costs about as much as copying a few KB, and most operands are that small).
let heapView = new Float32Array(memoryBuffer());

function heapFloats(): Float32Array {
  const buffer = memoryBuffer();
  if (heapView.buffer !== buffer) heapView = new Float32Array(buffer);
  return heapView;
}

/**
 * Runs `kernel(addrs, work)` with every operand at a WASM byte address (addrs[i] for ops[i]) and
 * `work` = the address of workFloats floats of scratch (0 if none). Copies in the operands it reads
 * and copies back the ones it writes, for those not already in the heap. Returns ops[result].array.
 * `what` names the kernel in a HeapGrowthError (made only when the scratch must be enlarged).
 */
export function runInHeap(
  ops: readonly Operand[],
  workFloats: number,
  kernel: (addrs: number[], work: number) => void,
  result = ops.length - 1,
  what: () => string = () => "a kernel call",
): Float32Array {
  const buffer = memoryBuffer();
  const count = ops.length;
  const addrs = new Array<number>(count);
  // 1. In-heap operands: their addresses; the rest need room in the scratch. An array passed
  //    several times (first: its first operand) gets one copy of the largest n any of them uses.
  const first = new Array<number>(count);
  const floatsOf = new Array<number>(count).fill(0);
  let floats = roundUp4(workFloats);
  let copies = false;
  let holdsViews = false;
  for (let i = 0; i < count; i++) {
    const a = ops[i]!.array;
    if (a.buffer === buffer) {
      addrs[i] = a.byteOffset;
      first[i] = i;
      holdsViews = true;
    } else {
      addrs[i] = -1;
      copies = true;
      const f = firstWithArray(ops, i);
      first[i] = f;
      floatsOf[f] = Math.max(floatsOf[f]!, ops[i]!.n);
    }
  }
  for (let i = 0; i < count; i++) if (addrs[i] === -1 && first[i] === i) floats += roundUp4(floatsOf[i]!);
  // 2. Scratch: [work | a copy of each distinct operand not in the heap], each 16-byte aligned.
  const work = floats === 0 ? 0 : holdsViews ? reserveScratchHoldingViews(floats, what) : floats <= scratchFloats ? scratchPtr : reserveScratch(floats, what());
  if (copies) {
    const mem = heapFloats(); // the memory may have grown (no operand was in it then)
    let next = work + roundUp4(workFloats) * 4;
    for (let i = 0; i < count; i++) {
      if (addrs[i]! >= 0 || first[i] !== i) continue;
      addrs[i] = next;
      const n = floatsOf[i]!;
      next += roundUp4(n) * 4;
      let read = false;
      for (let j = i; j < count; j++) if (first[j] === i && ops[j]!.read) read = true;
      const a = ops[i]!.array;
      if (read && n > 0) mem.set(n === a.length ? a : a.subarray(0, n), addrs[i]! >> 2);
    }
    for (let i = 0; i < count; i++) if (first[i] !== i) addrs[i] = addrs[first[i]!]!;
  }
  kernel(addrs, work);
  // 3. Copy back what the kernel wrote into scratch copies.
  if (copies) {
    const mem = heapFloats();
    for (let i = 0; i < count; i++) {
      const a = ops[i]!.array;
      if (a.buffer === buffer || first[i] !== i) continue;
      let write = false;
      for (let j = i; j < count; j++) if (first[j] === i && ops[j]!.write) write = true;
      const n = floatsOf[i]!;
      const at = addrs[i]! >> 2;
      if (write && n > 0) a.set(mem.subarray(at, at + n));
    }
  }
  return ops[result]!.array;
}
