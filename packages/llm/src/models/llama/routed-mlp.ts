/**
 * Mixtral's routed MLP (block_sparse_moe) on the inference path: x += Σ_j w_j · expert_{e_j}(xb)
 * over each token's top-k experts, with expert(x) = w2·(silu(w1·x) ⊙ w3·x) (routing: moe-routing.ts).
 *
 * Only the chosen experts' weights are read. A decoded token (n = 1) runs its k experts as
 * matrix-vector products straight from xb into x. A prompt's tokens are grouped by expert: each
 * expert with m tokens gathers their rows into one [m, hidden] block and runs one matrix product
 * per projection over it, then adds its weighted output back to those tokens' rows. When an expert
 * takes every token in order (one expert, or k = all experts) the gather/scatter is skipped.
 */
import { kernels, Tensor } from "@mini/tensor";
import { linear, linearView, type LinearWeight } from "./compact-weights.js";
import type { MoeConfig } from "./family-features.js";
import { routeTokens } from "./moe-routing.js";

const { matmulTransB, swiglu } = kernels;

/** One expert: w1 (gate) and w3 (up) [intermediate, hidden], w2 (down) [hidden, intermediate]; f32 or compact. */
export interface ExpertWeights {
  readonly w1: LinearWeight;
  readonly w2: LinearWeight;
  readonly w3: LinearWeight;
}

export interface RoutedMlpWeights {
  /** block_sparse_moe.gate: the router, [experts, hidden]. */
  readonly router: Tensor;
  readonly experts: readonly ExpertWeights[];
}

/** The routed MLP's buffers for passes of up to `chunk` tokens (allocated once, in the WASM heap). */
export class RoutedMlp {
  private readonly logits: Tensor; // [C, E] router logits
  private readonly gx: Tensor; //     [C, H] an expert's gathered input rows
  private readonly g: Tensor; //      [C, I] w1·x, then silu(w1·x) ⊙ w3·x (scaled by the routing weight)
  private readonly u: Tensor; //      [C, I] w3·x
  private readonly y: Tensor; //      [C, H] an expert's output rows
  private readonly chosen: Int32Array; //   [C, k] expert ids per token
  private readonly weights: Float32Array; // [C, k] routing weights per token
  private readonly rows: Int32Array; //     [C·k] tokens grouped by expert
  private readonly rowWeights: Float32Array; // [C·k] their weights
  private readonly counts: Int32Array; //   [E + 1] group starts (prefix sums)

  constructor(
    private readonly hidden: number,
    private readonly intermediate: number,
    private readonly moe: MoeConfig,
    readonly chunk: number,
  ) {
    const { numExperts: E, topK: k } = moe;
    this.logits = Tensor.pinned([chunk, E]);
    this.gx = Tensor.pinned([chunk, hidden]);
    this.g = Tensor.pinned([chunk, intermediate]);
    this.u = Tensor.pinned([chunk, intermediate]);
    this.y = Tensor.pinned([chunk, hidden]);
    this.chosen = new Int32Array(chunk * k);
    this.weights = new Float32Array(chunk * k);
    this.rows = new Int32Array(chunk * k);
    this.rowWeights = new Float32Array(chunk * k);
    this.counts = new Int32Array(E + 1);
  }

  /** x[0 … n) += routed MLP of xb[0 … n); xb, x: [n, hidden] (views of the caller's buffers). */
  run(xb: Float32Array, x: Float32Array, n: number, w: RoutedMlpWeights): void {
    if (n < 1 || n > this.chunk) throw new RangeError(`RoutedMlp.run: ${n} tokens, expected 1 … ${this.chunk}`);
    const { numExperts: E, topK: k } = this.moe;
    const H = this.hidden;
    const I = this.intermediate;
    const logits = this.logits.data;
    matmulTransB(xb, w.router.data, n, H, E, logits); // [n, E]
    routeTokens(logits, n, E, k, this.chosen, this.weights);
    const g = this.g.data;
    const u = this.u.data;

    if (n === 1) {
      for (let j = 0; j < k; j++) {
        const ex = w.experts[this.chosen[j]!]!;
        linear(xb, linearView(ex.w1), 1, H, I, g);
        linear(xb, linearView(ex.w3), 1, H, I, u);
        swiglu(g.subarray(0, I), u.subarray(0, I), g);
        const wj = this.weights[j]!;
        if (wj !== 1) for (let i = 0; i < I; i++) g[i] = g[i]! * wj;
        linear(g, linearView(ex.w2), 1, I, H, x, true); // x += w2·(w_j·h)
      }
      return;
    }

    // Group the (token, slot) pairs by expert: counts → group starts → rows in token order.
    const counts = this.counts;
    counts.fill(0);
    for (let i = 0; i < n * k; i++) counts[this.chosen[i]! + 1]!++;
    for (let e = 0; e < E; e++) counts[e + 1]! += counts[e]!;
    const fill = counts.slice(0, E);
    for (let t = 0; t < n; t++) {
      for (let j = 0; j < k; j++) {
        const e = this.chosen[t * k + j]!;
        const at = fill[e]!++;
        this.rows[at] = t;
        this.rowWeights[at] = this.weights[t * k + j]!;
      }
    }

    const gx = this.gx.data;
    const y = this.y.data;
    for (let e = 0; e < E; e++) {
      const start = counts[e]!;
      const m = counts[e + 1]! - start;
      if (m === 0) continue;
      const ex = w.experts[e]!;
      // Every token, in order: no gather or scatter (a token's k slots go to k different experts).
      const whole = m === n;
      const input = whole ? xb : gx;
      if (!whole) for (let r = 0; r < m; r++) gx.set(xb.subarray(this.rows[start + r]! * H, (this.rows[start + r]! + 1) * H), r * H);
      linear(input, linearView(ex.w1), m, H, I, g);
      linear(input, linearView(ex.w3), m, H, I, u);
      swiglu(g.subarray(0, m * I), u.subarray(0, m * I), g);
      for (let r = 0; r < m; r++) {
        const wr = this.rowWeights[start + r]!;
        if (wr !== 1) for (let i = r * I; i < (r + 1) * I; i++) g[i] = g[i]! * wr;
      }
      if (whole) {
        linear(g, linearView(ex.w2), n, I, H, x, true); // x += (w ⊙ h)·w2ᵀ
        continue;
      }
      linear(g, linearView(ex.w2), m, I, H, y); // [m, H]
      for (let r = 0; r < m; r++) {
        const dst = this.rows[start + r]! * H;
        for (let i = 0; i < H; i++) x[dst + i] = x[dst + i]! + y[r * H + i]!;
      }
    }
  }

  dispose(): void {
    for (const t of [this.logits, this.gx, this.g, this.u, this.y]) t.dispose();
  }
}
