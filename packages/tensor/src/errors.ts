/**
 * Errors that name what went wrong, in candle's style: the op, what was expected, what came.
 * Every user-facing check in @mini/tensor throws one of these, never a bare TypeError
 * from deep inside a kernel.
 */

/** A shape or size did not fit the op: the message names the op and both shapes. */
export class ShapeError extends Error {
  override name = "ShapeError";
}

/** A safetensors file (or buffer) is malformed: the message names the file, the tensor and the fault. */
export class SafetensorsError extends Error {
  override name = "SafetensorsError";
  constructor(
    readonly file: string,
    readonly tensor: string | undefined,
    readonly reason: string,
  ) {
    super(`${file}${tensor === undefined ? "" : `: tensor "${tensor}"`}: ${reason}`);
  }
}

export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(", ")}]`;
}

/**
 * A GGUF file (or buffer) is malformed or holds something we cannot use: the message names the file,
 * the metadata key or tensor (`subject`, e.g. `key "llama.block_count"` or `tensor "blk.0.attn_q.weight"`)
 * and the fault.
 */
export class GgufError extends Error {
  override name = "GgufError";
  constructor(
    readonly file: string,
    readonly subject: string | undefined,
    readonly reason: string,
  ) {
    super(`${file}${subject === undefined ? "" : `: ${subject}`}: ${reason}`);
  }
}
