/**
 * RustGPT's architecture (tekaratzas/RustGPT): token embedding + learned absolute positions,
 * post-LayerNorm blocks of single-head attention without output projection and a ReLU MLP with
 * biases, then an output Linear with bias. Its defaults: embedding 128, MLP 256, 3 blocks, 80
 * positions; on its own data (vocab 533) that is 493,973 parameters. Field names are the ones
 * used across mini (HF's): hiddenSize = model width, intermediateSize = feed-forward width.
 */

export interface RustGptConfig {
  readonly vocabSize: number;
  /** Model (embedding) width, HF's hidden_size (RustGPT EMBEDDING_DIM = 128). */
  readonly hiddenSize: number;
  /** Feed-forward width, HF's intermediate_size (RustGPT HIDDEN_DIM = 256). */
  readonly intermediateSize: number;
  /** Transformer blocks (RustGPT: 3). */
  readonly numLayers: number;
  /** Attention heads; RustGPT has 1 (without an output projection, as RustGPT). */
  readonly numHeads: number;
  /** Learned positions (RustGPT MAX_SEQ_LEN = 80). */
  readonly maxSeqLen: number;
  /** LayerNorm ε, added to the standard deviation as RustGPT does (1e-5). */
  readonly layerNormEps: number;
}

export const RUSTGPT_DEFAULTS = { hiddenSize: 128, intermediateSize: 256, numLayers: 3, numHeads: 1, maxSeqLen: 80, layerNormEps: 1e-5 } as const;

export function rustGptConfig(c: Partial<RustGptConfig> & { vocabSize: number }): RustGptConfig {
  const out: RustGptConfig = { ...RUSTGPT_DEFAULTS, ...c };
  for (const f of ["vocabSize", "hiddenSize", "intermediateSize", "numLayers", "numHeads", "maxSeqLen"] as const) {
    const v = out[f];
    if (!Number.isInteger(v) || v <= 0) throw new Error(`rustgpt config: ${f} must be a positive integer, got ${v}`);
  }
  if (out.hiddenSize % out.numHeads !== 0) {
    throw new Error(`rustgpt config: hiddenSize (${out.hiddenSize}) must be divisible by numHeads (${out.numHeads})`);
  }
  if (!(out.layerNormEps > 0)) throw new Error(`rustgpt config: layerNormEps must be > 0, got ${out.layerNormEps}`);
  return out;
}

/**
 * Parameter count, by RustGPT's layer list: embeddings V·d + T·d; per block attention 3·d² and
 * two LayerNorms 4·d, feed-forward d·h + h + h·d + d; output d·V + V.
 */
export function rustGptParameterCount(c: RustGptConfig): number {
  const { vocabSize: V, hiddenSize: d, intermediateSize: h, maxSeqLen: T, numLayers: L } = c;
  const block = 3 * d * d + 4 * d + (d * h + h + h * d + d);
  return V * d + T * d + L * block + d * V + V;
}
