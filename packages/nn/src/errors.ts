/**
 * Errors of @mini/nn. Each message names the tensor, field or argument, what was expected and
 * what came (candle's `var_builder.rs` style), so a user who loads the wrong checkpoint reads
 * which tensors differ instead of a stack trace from inside a kernel.
 */

/** A state dict (or a parameter file) does not fit a model: lists every missing, unexpected and mis-shaped tensor. */
export class StateDictError extends Error {
  override name = "StateDictError";
  constructor(
    readonly where: string,
    readonly missing: readonly string[],
    readonly unexpected: readonly string[],
    readonly misShaped: readonly { name: string; expected: readonly number[]; got: readonly number[] }[],
  ) {
    super(formatStateDictProblems(where, missing, unexpected, misShaped));
  }
}

function formatStateDictProblems(
  where: string,
  missing: readonly string[],
  unexpected: readonly string[],
  misShaped: readonly { name: string; expected: readonly number[]; got: readonly number[] }[],
): string {
  const lines: string[] = [];
  if (misShaped.length > 0) {
    lines.push(`  shape mismatch (${misShaped.length}):`);
    for (const m of misShaped) lines.push(`    ${m.name}: expected [${m.expected.join(", ")}], got [${m.got.join(", ")}]`);
  }
  if (missing.length > 0) lines.push(`  missing (${missing.length}): ${missing.join(", ")}`);
  if (unexpected.length > 0) lines.push(`  unexpected (${unexpected.length}): ${unexpected.join(", ")}`);
  return `${where}: state dict does not fit the model\n${lines.join("\n")}`;
}

/** A parameter could not be created or loaded (missing from the file, wrong shape, created twice). */
export class ParamError extends Error {
  override name = "ParamError";
}

/** A checkpoint directory is missing, incomplete, of an unknown format version, or does not fit the model. */
export class CheckpointError extends Error {
  override name = "CheckpointError";
}

/** An argument is out of its valid range (learning rate, betas, probability…): the message names it and the value. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(", ")}]`;
}
