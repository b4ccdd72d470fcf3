/**
 * The one error type of model loading. The message always names the file and, where it applies,
 * the config field or tensor, then what was expected and what came, so a user can fix the
 * directory without reading our code.
 */
export class ModelLoadError extends Error {
  override name = "ModelLoadError";
  constructor(
    /** The file (or directory) at fault. */
    readonly file: string,
    /** The config field or tensor name at fault, if any. */
    readonly subject: string | undefined,
    readonly reason: string,
  ) {
    super(`${file}${subject === undefined ? "" : `: ${subject}`}: ${reason}`);
  }
}
