/**
 * Which dtype each matrix of a Llama gets when a model dtype is requested (the `dtype` load
 * option, `--dtype` on the CLIs, `llama-infer convert --dtype`): llama.cpp's recipe for its Q4_0,
 * Q4_K and Q5_K model types, so that a q4_0 model here is the model `llama-quantize … Q4_0` makes.
 *
 *   the output matrix (lm_head; with tied embeddings the embedding, which is the lm_head)
 *     requested q4_0, q4_k or q5_k  →  q6_k when its rows are whole 256-weight super-blocks, else q8_0
 *   every other matrix, and every output matrix under f32 / bf16 / f16 / q8_0 / q6_k
 *     →  the requested dtype
 *
 * llama.cpp (src/llama-quant.cpp, llama_tensor_get_type_impl): for `output.weight`, or
 * `token_embd.weight` when the model has no output.weight, every quantized model type but Q8_0 (and
 * the IQ1/IQ2/IQ3_XXS types, which mini does not have) takes Q6_K; a row whose length is not a
 * multiple of Q6_K's 256 falls back to Q8_0 (tensor_type_fallback), and of Q8_0's 32 to F16.
 * mini's q8_0 pads a last block, so here every row length gets q8_0; the GGUF writer still writes
 * F16 where a GGUF Q8_0 row cannot hold it, as llama.cpp does. The output matrix is the one that
 * matters: on the story model q4_0 everywhere is +7.0 % perplexity over f32, this recipe +3.9 %.
 * A separate (untied) embedding stays at the requested dtype, as in llama.cpp's Q4_0 / Q4_K.
 */
import { compact, type WeightDtype } from "@mini/tensor";
import { EMBED_NAME, LM_HEAD_NAME } from "./weights.js";

/** Whether the HF-named matrix is the output matrix: lm_head, or the embedding of a tied model. */
export function isOutputMatrix(hfName: string, tied: boolean): boolean {
  return hfName === LM_HEAD_NAME || (tied && hfName === EMBED_NAME);
}

/** The dtype of the output matrix, rows of `cols` weights, in a model of `requested` dtype. */
export function outputMatrixDtype(requested: WeightDtype, cols: number): WeightDtype {
  if (requested !== "q4_0" && requested !== "q4_k" && requested !== "q5_k") return requested;
  return cols % compact.SUPER_BLOCK === 0 ? "q6_k" : "q8_0";
}

/** The dtype of the HF-named matrix (rows of `cols` weights) of a model loaded with `requested` (tied: tied embeddings). */
export function matrixDtype(requested: WeightDtype, hfName: string, cols: number, tied: boolean): WeightDtype {
  return isOutputMatrix(hfName, tied) ? outputMatrixDtype(requested, cols) : requested;
}
