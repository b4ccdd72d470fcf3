/**
 * An error the user can fix (bad option, bad file): printed as one line, without a stack trace.
 * Errors of the libraries that name a file or field (DatasetError, ModelLoadError, …) are shown
 * the same way; see main.ts.
 */
export class AppError extends Error {
  override name = "AppError";
  constructor(
    message: string,
    /** Process exit code (1: bad input; 130: interrupted). */
    readonly exitCode = 1,
  ) {
    super(message);
  }
}
