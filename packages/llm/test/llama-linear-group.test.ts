/**
 * linearGroup (a layer's q, k, v and gate, up from one input): f32 weights in the heap go as ONE
 * pool round at 2 threads, in decode (one row) and prefill, each output with the bits of its own
 * `linear` call at 1–3 threads; compact weights run call by call, with the same bits as `linear`.
 */
import { createRng, getThreads, poolRounds, setThreads, Tensor, WeightMatrix } from "@mini/tensor";
import { afterAll, describe, expect, it } from "vitest";
import { linear, linearGroup, type LinearView } from "../src/models/llama/compact-weights.js";

const initialThreads = getThreads();
afterAll(() => setThreads(initialThreads));

const bits = (a: Float32Array): Uint32Array => new Uint32Array(a.buffer, a.byteOffset, a.length);
function pinned(n: number, seed: number): Tensor {
  const rng = createRng(seed);
  const t = Tensor.pinned([n]);
  for (let i = 0; i < n; i++) t.data[i] = rng.uniform() * 2 - 1;
  return t;
}

describe("linearGroup", () => {
  // the 32M model's attention shapes: hidden 312, q 312 rows, k and v 104 rows each
  const H = 312, Ns = [312, 104, 104];
  for (const M of [1, 5]) {
    it(`f32, M = ${M}: one pool round at 2 threads, the bits of one linear call each, at 1–3 threads`, () => {
      const x = pinned(M * H, 1);
      const ws = Ns.map((N, i) => pinned(N * H, 2 + i));
      const run = (group: boolean): Float32Array[] => {
        const outs = Ns.map((N) => Tensor.pinned([M * N]));
        if (group) linearGroup(x.data, M, H, Ns.map((N, i) => ({ w: ws[i]!.data, N, out: outs[i]!.data })));
        else Ns.forEach((N, i) => linear(x.data, ws[i]!.data, M, H, N, outs[i]!.data));
        const copies = outs.map((o) => o.data.slice());
        for (const o of outs) o.dispose();
        return copies;
      };
      setThreads(1);
      const want = run(false);
      for (const t of [1, 2, 3]) {
        setThreads(t);
        const rounds = poolRounds();
        const got = run(true);
        if (t === 2) expect(poolRounds() - rounds).toBe(1);
        got.forEach((g, i) => expect(bits(g), `product ${i} at ${t} threads`).toEqual(bits(want[i]!)));
      }
      for (const t of [x, ...ws]) t.dispose();
    });
  }

  it("q8_0 weights: the bits of one linear call each, at 1 and 2 threads", () => {
    const x = pinned(H, 7);
    const ws: LinearView[] = Ns.map((N, i) => {
      const f = pinned(N * H, 8 + i);
      const m = WeightMatrix.fromF32(f.data, N, H, "q8_0");
      f.dispose();
      return m;
    });
    const run = (group: boolean): Float32Array[] => {
      const outs = Ns.map((N) => new Float32Array(N));
      if (group) linearGroup(x.data, 1, H, Ns.map((N, i) => ({ w: ws[i]!, N, out: outs[i]! })));
      else Ns.forEach((N, i) => linear(x.data, ws[i]!, 1, H, N, outs[i]!));
      return outs;
    };
    setThreads(1);
    const want = run(false);
    for (const t of [1, 2]) {
      setThreads(t);
      run(true).forEach((g, i) => expect(bits(g), `product ${i} at ${t} threads`).toEqual(bits(want[i]!)));
    }
    x.dispose();
    for (const w of ws) (w as WeightMatrix).dispose();
  });
});
