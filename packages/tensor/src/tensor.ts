import { ShapeError, fmtShape } from "./errors.js";
import { checkShape, numel } from "./shape.js";
import type { Rng } from "./random.js";
import { heap } from "./wasm/heap.js";

/** Where a tensor's numbers live: a JS Float32Array, or a block of the WASM heap. */
type Storage =
  | { kind: "js"; array: Float32Array }
  | { kind: "wasm"; ptr: number; length: number; owner: PinnedBlock };

/** A pinned block; freed when its last tensor is garbage-collected (or explicitly via dispose). */
class PinnedBlock {
  freed = false;
  constructor(readonly ptr: number) {}
}

const finalizer = new FinalizationRegistry<PinnedBlock>((block) => {
  if (!block.freed) {
    block.freed = true;
    heap.release(block.ptr);
  }
});

/**
 * A contiguous, row-major float32 tensor: data plus a shape.
 *
 * `reshape` and `row` are views (they share storage); every layout change (transpose, slice,
 * concat) is an explicit copy made by a kernel. Tensors made with `Tensor.pinned` live in the
 * WASM heap, where the SIMD kernels read them without copying (see wasm/heap.ts).
 */
export class Tensor {
  readonly shape: readonly number[];
  readonly size: number;
  private readonly storage: Storage;
  private readonly offset: number; // in floats, into the storage
  private cachedView: Float32Array | null = null;
  private cachedGeneration = -1;

  private constructor(storage: Storage, offset: number, shape: readonly number[]) {
    this.storage = storage;
    this.offset = offset;
    this.shape = Object.freeze([...shape]);
    this.size = numel(shape);
  }

  /** The numbers, row-major. For pinned tensors the view is re-made if the WASM memory grew. */
  get data(): Float32Array {
    const s = this.storage;
    if (s.kind === "js") {
      if (this.cachedView === null) {
        this.cachedView =
          this.offset === 0 && this.size === s.array.length ? s.array : s.array.subarray(this.offset, this.offset + this.size);
      }
      return this.cachedView;
    }
    if (s.owner.freed) throw new Error("Tensor: use of a pinned tensor after dispose()");
    if (this.cachedGeneration !== heap.generation || this.cachedView === null) {
      this.cachedView = heap.view(s.ptr + this.offset * 4, this.size);
      this.cachedGeneration = heap.generation;
    }
    return this.cachedView;
  }

  get rank(): number {
    return this.shape.length;
  }

  /** True when the data lives in the WASM heap (kernels use it without copying). */
  get isPinned(): boolean {
    return this.storage.kind === "wasm";
  }

  // ---- construction -------------------------------------------------------------------------

  /** Zeros on the JS heap. */
  static zeros(shape: readonly number[]): Tensor {
    checkShape("Tensor.zeros", shape);
    return new Tensor({ kind: "js", array: new Float32Array(numel(shape)) }, 0, shape);
  }

  /** Zeros in the WASM heap: for long-lived buffers the fast kernels read in place (weights, caches, grads). */
  static pinned(shape: readonly number[]): Tensor {
    checkShape("Tensor.pinned", shape);
    const n = numel(shape);
    const block = new PinnedBlock(heap.alloc(n, { what: `Tensor.pinned(${fmtShape(shape)})` }));
    const t = new Tensor({ kind: "wasm", ptr: block.ptr, length: n, owner: block }, 0, shape);
    finalizer.register(t.storage, block, block);
    return t;
  }

  /** Wraps a Float32Array without copying (other array-likes are copied). */
  static from(data: ArrayLike<number>, shape?: readonly number[]): Tensor {
    const s = shape ?? [data.length];
    checkShape("Tensor.from", s);
    if (numel(s) !== data.length) {
      throw new ShapeError(`Tensor.from: ${data.length} values do not fill shape ${fmtShape(s)} (${numel(s)} elements)`);
    }
    const array = data instanceof Float32Array ? data : Float32Array.from(data);
    return new Tensor({ kind: "js", array }, 0, s);
  }

  static scalar(value: number): Tensor {
    return Tensor.from(new Float32Array([value]), []);
  }

  static full(shape: readonly number[], value: number): Tensor {
    const t = Tensor.zeros(shape);
    t.data.fill(value);
    return t;
  }

  /** Normal(0, std²) values drawn from `rng`. */
  static randn(shape: readonly number[], rng: Rng, std = 1): Tensor {
    const t = Tensor.zeros(shape);
    const d = t.data;
    for (let i = 0; i < d.length; i++) d[i] = rng.normal() * std;
    return t;
  }

  /** Uniform values in [low, high) drawn from `rng`. */
  static rand(shape: readonly number[], rng: Rng, low = 0, high = 1): Tensor {
    const t = Tensor.zeros(shape);
    const d = t.data;
    for (let i = 0; i < d.length; i++) d[i] = low + (high - low) * rng.uniform();
    return t;
  }

  // ---- views and copies ----------------------------------------------------------------------

  /** A view with another shape and the same elements; one dim may be -1. */
  reshape(shape: readonly number[]): Tensor {
    const s = [...shape];
    const unknown = s.indexOf(-1);
    if (unknown >= 0) {
      const known = s.reduce((p, d, i) => (i === unknown ? p : p * d), 1);
      s[unknown] = known === 0 ? 0 : this.size / known;
    }
    if (s.some((d) => !Number.isInteger(d) || d < 0) || numel(s) !== this.size) {
      throw new ShapeError(`reshape: cannot view ${fmtShape(this.shape)} (${this.size} elements) as ${fmtShape(shape)}`);
    }
    return new Tensor(this.storage, this.offset, s);
  }

  /** Row `i` along the first axis, as a view. */
  row(i: number): Tensor {
    if (this.rank === 0 || !Number.isInteger(i) || i < 0 || i >= this.shape[0]!) {
      throw new ShapeError(`row: index ${i} out of range for shape ${fmtShape(this.shape)}`);
    }
    const inner = this.shape.slice(1);
    return new Tensor(this.storage, this.offset + i * numel(inner), inner);
  }

  /** A copy on the JS heap. */
  clone(): Tensor {
    return Tensor.from(new Float32Array(this.data), this.shape);
  }

  /** A copy in the WASM heap (or this tensor, if it is already pinned). */
  toPinned(): Tensor {
    if (this.isPinned) return this;
    const t = Tensor.pinned(this.shape);
    t.data.set(this.data);
    return t;
  }

  /** Frees a pinned tensor's block now instead of at garbage collection (every view of it becomes unusable). */
  dispose(): void {
    const s = this.storage;
    if (s.kind === "wasm" && !s.owner.freed) {
      s.owner.freed = true;
      finalizer.unregister(s.owner);
      heap.release(s.ptr);
    }
  }

  /** The element at a multi-index. */
  get(...index: number[]): number {
    if (index.length !== this.rank) {
      throw new ShapeError(`get: ${index.length} indices for shape ${fmtShape(this.shape)}`);
    }
    let flat = 0;
    for (let i = 0; i < index.length; i++) {
      const d = this.shape[i]!;
      const k = index[i]!;
      if (!Number.isInteger(k) || k < 0 || k >= d) throw new ShapeError(`get: index ${fmtShape(index)} out of range for shape ${fmtShape(this.shape)}`);
      flat = flat * d + k;
    }
    return this.data[flat]!;
  }

  /** The elements as a plain array (row-major). */
  toArray(): number[] {
    return Array.from(this.data);
  }

  toString(): string {
    const head = Array.from(this.data.subarray(0, 8), (v) => v.toPrecision(4)).join(", ");
    return `Tensor(${fmtShape(this.shape)}, [${head}${this.size > 8 ? ", …" : ""}])`;
  }
}
