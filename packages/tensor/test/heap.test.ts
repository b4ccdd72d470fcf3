import { describe, expect, it } from "vitest";
import { HeapGrowthError, WasmHeap, heap, Tensor } from "../src/index.js";

describe("WasmHeap allocator", () => {
  it("allocates 16-byte aligned, zero-filled, non-overlapping blocks", () => {
    const h = new WasmHeap(4);
    const ptrs = [1, 5, 3, 17].map((n) => [h.alloc(n), n] as const);
    for (const [p] of ptrs) expect(p % 16).toBe(0);
    const sorted = [...ptrs].sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < sorted.length; i++) expect(sorted[i]![0]).toBeGreaterThanOrEqual(sorted[i - 1]![0] + sorted[i - 1]![1] * 4);
    const [p0, n0] = ptrs[0]!;
    h.view(p0, n0).fill(7);
    h.release(p0);
    const again = h.alloc(1);
    expect(again).toBe(p0); // first fit reuses the freed block
    expect(Array.from(h.view(again, 1))).toEqual([0]); // and zero-fills it
  });

  it("coalesces neighbours and hands the top back to the bump pointer", () => {
    const h = new WasmHeap(4);
    const a = h.alloc(4); // 16 bytes each
    const b = h.alloc(4);
    const c = h.alloc(4);
    const guard = h.alloc(4);
    h.release(a);
    h.release(c);
    h.release(b); // a, b, c merge into one 48-byte block
    expect(h.alloc(12)).toBe(a);
    expect(h.liveBytes).toBe(48 + 16);
    h.release(a);
    h.release(guard);
    expect(h.liveBytes).toBe(0);
    expect(h.alloc(1)).toBe(a); // everything was returned to the top
  });

  it("double release throws", () => {
    const h = new WasmHeap(1);
    const p = h.alloc(2);
    h.release(p);
    expect(() => h.release(p)).toThrow(/not a live allocation/);
  });

  it("growth bumps generation and replaces the buffer (old views detached, or short when shared)", () => {
    const h = new WasmHeap(1); // 64 KiB
    const p = h.alloc(16);
    const v = h.view(p, 16);
    const gen = h.generation;
    h.alloc(65536 / 4); // does not fit: grows
    expect(h.generation).toBe(gen + 1);
    expect(v.length).toBe(h.shared ? 16 : 0); // a SharedArrayBuffer view keeps its old length, others detach
    expect(h.owns(v)).toBe(false);
    expect(h.view(p, 16).length).toBe(16);
  });
});

describe("reserve and frozen passes", () => {
  it("reserve grows once, so the reserved bytes then fit without growth", () => {
    const h = new WasmHeap(1); // 64 KiB
    h.alloc(1000);
    const gen = h.generation;
    h.reserve(300_000, "a test model");
    expect(h.generation).toBe(gen + 1);
    expect(h.capacity).toBeGreaterThanOrEqual(h.topAddress + 300_000);
    h.reserve(300_000, "a test model"); // fits already: no growth
    expect(h.generation).toBe(gen + 1);
    h.frozen("a test pass", () => h.alloc(300_000 / 4 - 100)); // inside the reserve: allowed
    expect(h.generation).toBe(gen + 1);
    expect(() => h.reserve(2 ** 32, "a huge model")).toThrow(/a huge model needs 4294967296 bytes.*4 GiB/);
  });

  it("an allocation that would grow the memory inside frozen throws naming the pass, the requester and the sizes", () => {
    const h = new WasmHeap(1);
    const p = h.alloc(16);
    const v = h.view(p, 16);
    const gen = h.generation;
    let err: unknown;
    try {
      h.frozen("LlamaModel.forward", () => h.alloc(65536 / 4, { what: "Tensor.pinned([16384])" }));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(HeapGrowthError);
    const e = err as HeapGrowthError;
    expect(e.pass).toBe("LlamaModel.forward");
    expect(e.what).toBe("Tensor.pinned([16384])");
    expect(e.bytes).toBe(65536);
    expect(e.capacity).toBe(65536);
    expect(e.message).toMatch(/Tensor\.pinned\(\[16384\]\) asked for 65536 bytes of WASM heap during LlamaModel\.forward/);
    expect(h.generation).toBe(gen); // nothing grew: the view is still good
    expect(h.owns(v)).toBe(true);
    expect(h.frozenPass).toBe(null); // the phase ended with the throw
    h.alloc(65536 / 4); // outside a pass growth is allowed again
    expect(h.generation).toBe(gen + 1);
  });

  it("nested frozen calls keep the outermost pass", () => {
    const h = new WasmHeap(1);
    const seen = h.frozen("outer", () => h.frozen("inner", () => h.frozenPass));
    expect(seen).toBe("outer");
    expect(h.frozenPass).toBe(null);
  });
});

describe("pinned tensors and heap growth", () => {
  it("Tensor.data survives a growth of the shared heap", () => {
    const t = Tensor.pinned([4]);
    t.data.set([1, 2, 3, 4]);
    const old = t.data;
    const gen = heap.generation;
    // Grow the address space directly (cheap: new pages are not committed until touched).
    heap.ensure(heap.memory.buffer.byteLength + 1);
    expect(heap.generation).toBe(gen + 1);
    expect(heap.owns(old)).toBe(false);
    expect(t.toArray()).toEqual([1, 2, 3, 4]);
    expect(heap.owns(t.data)).toBe(true);
    t.dispose();
  });
});

describe("shared memory", () => {
  it("is a SharedArrayBuffer on Node, an ordinary one when asked", () => {
    expect(heap.shared).toBe(true);
    expect(heap.memory.buffer).toBeInstanceOf(SharedArrayBuffer);
    const h = new WasmHeap(1, { shared: false });
    expect(h.shared).toBe(false);
    expect(h.memory.buffer).toBeInstanceOf(ArrayBuffer);
  });
});
