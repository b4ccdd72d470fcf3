/**
 * The WebAssembly heap: one `WebAssembly.Memory` shared by every WASM kernel, and an allocator over it.
 *
 * Why it exists: a WASM kernel can only read memory inside its own linear memory. A `Float32Array`
 * on the JS heap must be copied in before the kernel runs (and the result copied out), which at
 * matrix-vector shapes costs as much as the math. Tensors made with `Tensor.pinned()` live here
 * instead, so kernels use them where they are (zero copy): model weights, KV caches, run-state
 * buffers, parameters, gradients and optimizer moments.
 *
 * The memory is `shared` (a SharedArrayBuffer) wherever the runtime has SharedArrayBuffer, so the
 * kernel pool's workers (pool.ts) run the same kernels on the same addresses; elsewhere (a browser
 * page without cross-origin isolation) it is an ordinary memory and every kernel runs on the
 * calling thread.
 *
 * The catch: growing a `WebAssembly.Memory` replaces its buffer (an ordinary one is detached with
 * every view on it; a shared one keeps its old length, so old views miss the new pages and no
 * longer count as "in the heap"). So growth never happens where views are in use:
 *   - the memory starts large (1 GiB of address space; the OS commits pages only when touched, so
 *     untouched space costs no resident memory), and a model load reserves what it will need
 *     (`reserve`: at most one growth, before any view of the run exists);
 *   - a forward or backward pass runs `frozen`: an allocation that would grow the memory there
 *     throws HeapGrowthError naming the pass and what asked, instead of detaching views mid-pass;
 *   - between passes growth is allowed; it bumps `generation`, and `Tensor.data` (and the model's
 *     views, made at the start of a pass) are re-made when the generation changed.
 * Code that keeps a raw `Float32Array` of pinned memory must not hold it across an unfrozen allocation.
 */

import type {} from "./webassembly-types.js";
const PAGE = 65536;
const INITIAL_PAGES = 16384; // 1 GiB of address space, committed lazily by the OS
const MAX_PAGES = 65536; // the 4 GiB limit of 32-bit WASM memory
const ALIGN = 16; // bytes: one v128, so SIMD loads of a block start aligned
const RESERVED = 1024; // bytes at address 0 kept unused, so ptr 0 means "null"

/**
 * An allocation that would have grown the WASM memory while growth is forbidden (inside
 * `heap.frozen`, i.e. a forward or backward pass, or a kernel call holding views of the heap).
 */
export class HeapGrowthError extends RangeError {
  override name = "HeapGrowthError";
  constructor(
    /** The pass (or kernel call) during which growth is forbidden. */
    readonly pass: string,
    /** What asked for memory. */
    readonly what: string,
    /** Bytes it asked for. */
    readonly bytes: number,
    /** Bytes the memory has. */
    readonly capacity: number,
    /** Bytes in use at the top of the heap (free blocks below it were too small). */
    readonly top: number,
  ) {
    super(
      `${what} asked for ${bytes} bytes of WASM heap during ${pass}, which would grow the memory ` +
        `(${capacity} bytes, ${top} in use up to the top, no free block large enough); growth is not allowed during a pass: ` +
        `reserve it before the pass (heap.reserve, or a larger budget at load)`,
    );
  }
}

interface Block {
  ptr: number;
  bytes: number;
}

export class WasmHeap {
  /** The most a (32-bit) WASM memory holds: 4 GiB. */
  static readonly MAX_BYTES = MAX_PAGES * PAGE;
  readonly memory: WebAssembly.Memory;
  /** Bumped on every growth; views made before it are detached. */
  generation = 0;
  private top = RESERVED;
  /**
   * Every byte at or above this address has never been handed out, so it still holds the zeros
   * WebAssembly.Memory starts (and grows) with; alloc zero-fills only below it. Loading a model
   * into fresh memory then touches each page once (when the weights are written), not twice.
   */
  private clean = RESERVED;
  private readonly free: Block[] = []; // sorted by ptr, coalesced
  private readonly sizes = new Map<number, number>(); // live ptr -> bytes

  /** True when the memory is a SharedArrayBuffer that worker threads can run kernels on. */
  readonly shared: boolean;
  /** The pass during which growth is forbidden (heap.frozen), null outside one. */
  private frozenBy: string | null = null;

  constructor(initialPages = INITIAL_PAGES, opts?: { shared?: boolean }) {
    this.shared = opts?.shared ?? sharedMemorySupported();
    this.memory = new WebAssembly.Memory({ initial: initialPages, maximum: MAX_PAGES, shared: this.shared });
  }

  /** Bytes currently handed out (not counting free blocks). */
  get liveBytes(): number {
    let n = 0;
    for (const b of this.sizes.values()) n += b;
    return n;
  }

  /**
   * Allocates room for `nFloats` float32 values, 16-byte aligned; returns a byte address.
   * Zero-filled, unless `zero: false` (for a caller that overwrites the block at once, e.g. a
   * tensor read from a file or a kernel's scratch): then it holds whatever was there before.
   */
  alloc(nFloats: number, opts?: { zero?: boolean; what?: string }): number {
    if (!Number.isInteger(nFloats) || nFloats < 0) throw new Error(`WasmHeap.alloc: invalid size ${nFloats}`);
    const bytes = Math.max(ALIGN, Math.ceil((nFloats * 4) / ALIGN) * ALIGN);
    let ptr = -1;
    for (let i = 0; i < this.free.length; i++) {
      const b = this.free[i]!;
      if (b.bytes >= bytes) {
        ptr = b.ptr;
        if (b.bytes === bytes) this.free.splice(i, 1);
        else {
          b.ptr += bytes;
          b.bytes -= bytes;
        }
        break;
      }
    }
    if (ptr < 0) {
      ptr = this.top;
      this.ensure(ptr + bytes, opts?.what);
      this.top += bytes;
    }
    this.sizes.set(ptr, bytes);
    const end = ptr + bytes;
    // Memory at or above `clean` was never used: already zero.
    if (opts?.zero !== false && ptr < this.clean) new Uint8Array(this.memory.buffer, ptr, Math.min(end, this.clean) - ptr).fill(0);
    if (end > this.clean) this.clean = end;
    return ptr;
  }

  /** Returns a block to the free list (coalescing neighbours). Freeing twice throws. */
  release(ptr: number): void {
    const bytes = this.sizes.get(ptr);
    if (bytes === undefined) throw new Error(`WasmHeap.release: ${ptr} is not a live allocation`);
    this.sizes.delete(ptr);
    let i = 0;
    while (i < this.free.length && this.free[i]!.ptr < ptr) i++;
    this.free.splice(i, 0, { ptr, bytes });
    // Merge with the next block, then with the previous one.
    const cur = this.free[i]!;
    const next = this.free[i + 1];
    if (next && cur.ptr + cur.bytes === next.ptr) {
      cur.bytes += next.bytes;
      this.free.splice(i + 1, 1);
    }
    const prev = this.free[i - 1];
    if (prev && prev.ptr + prev.bytes === cur.ptr) {
      prev.bytes += cur.bytes;
      this.free.splice(i, 1);
    }
    // Give a free block at the top back to the bump pointer.
    const last = this.free[this.free.length - 1];
    if (last && last.ptr + last.bytes === this.top) {
      this.top = last.ptr;
      this.free.pop();
    }
  }

  /** A Float32Array view of `nFloats` values at byte address `ptr` (valid until the next growth). */
  view(ptr: number, nFloats: number): Float32Array {
    return new Float32Array(this.memory.buffer, ptr, nFloats);
  }

  /** True when `a` is a view on this heap's current memory (so kernels can use it without a copy). */
  owns(a: Float32Array): boolean {
    return a.buffer === this.memory.buffer;
  }

  /** Bytes of the largest free block below the top (0 when none): for diagnostics and tests. */
  get largestFreeBlock(): number {
    let m = 0;
    for (const b of this.free) m = Math.max(m, b.bytes);
    return m;
  }

  /** Bytes below the bump pointer (live blocks and free ones); everything above is untouched. */
  get topAddress(): number {
    return this.top;
  }

  /** The memory's size in bytes. */
  get capacity(): number {
    return this.memory.buffer.byteLength;
  }

  /**
   * Makes sure addresses below `end` exist, growing the memory (and bumping `generation`) if not.
   * Inside `frozen`, needing growth throws HeapGrowthError naming `what`.
   */
  ensure(end: number, what = "an allocation"): void {
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    if (this.frozenBy !== null) throw new HeapGrowthError(this.frozenBy, what, end - this.top, have, this.top);
    const pages = Math.ceil((end - have) / PAGE);
    if (have / PAGE + pages > MAX_PAGES) {
      throw new RangeError(`WasmHeap: ${what} cannot be placed: the heap would pass 4 GiB (need ${end} bytes); WASM32 memory is limited to 4 GiB`);
    }
    // Grow by at least 25% (within the limit) so growth, which detaches views, stays rare.
    this.memory.grow(Math.min(Math.max(pages, Math.ceil(have / PAGE / 4)), MAX_PAGES - have / PAGE));
    this.generation++;
  }

  /**
   * Makes sure `bytes` more fit above the heap's top, with at most one growth: what a model load
   * calls with its budget (weights, run state, KV cache, kernel scratch) so that no pass has to
   * grow the memory. Untouched reserved pages cost no resident memory. Not allowed inside `frozen`
   * when it would grow; past 4 GiB it throws naming `what`.
   */
  reserve(bytes: number, what: string): void {
    if (!Number.isFinite(bytes) || bytes < 0) throw new RangeError(`WasmHeap.reserve: invalid size ${bytes} for ${what}`);
    const end = this.top + bytes;
    if (end > MAX_PAGES * PAGE) {
      throw new RangeError(`WasmHeap: ${what} needs ${bytes} bytes above the ${this.top} in use, more than WASM32's 4 GiB memory holds`);
    }
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    if (this.frozenBy !== null) throw new HeapGrowthError(this.frozenBy, what, bytes, have, this.top);
    this.memory.grow(Math.ceil((end - have) / PAGE));
    this.generation++;
  }

  /**
   * Runs `f` with growth forbidden: any allocation that would grow the memory throws
   * HeapGrowthError naming `pass` (and what asked). A forward or backward pass runs so, since
   * growth would detach (or leave outside the current buffer) every view it holds. Nested calls
   * keep the outermost name.
   */
  frozen<T>(pass: string, f: () => T): T {
    if (this.frozenBy !== null) return f();
    this.frozenBy = pass;
    try {
      return f();
    } finally {
      this.frozenBy = null;
    }
  }

  /** The pass during which growth is forbidden now, or null. */
  get frozenPass(): string | null {
    return this.frozenBy;
  }
}

/** True where a `shared` WebAssembly.Memory can be made (SharedArrayBuffer exists and is usable). */
function sharedMemorySupported(): boolean {
  if (typeof SharedArrayBuffer === "undefined") return false;
  try {
    return new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true }).buffer instanceof SharedArrayBuffer;
  } catch {
    return false;
  }
}

/** The process-wide heap every pinned tensor and WASM kernel uses. */
export const heap = new WasmHeap();
