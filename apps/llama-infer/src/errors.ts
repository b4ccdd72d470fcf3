/**
 * How a failure reaches the user: one line on stderr, `error: <message>`, exit code 1, no stack
 * trace. The library's messages already name the file, tensor, field or option; an OptionError is
 * rephrased with the flag spelling. LLAMA_INFER_DEBUG=1 adds the stack (for us, not for users).
 */
import { OptionError } from "@mini/llm";
import { asUsageError } from "./options.js";

export function errorLine(e: unknown): string {
  const err = e instanceof OptionError ? asUsageError(e) : e;
  const message = err instanceof Error ? err.message : String(err);
  return `error: ${message.replace(/\s*\n\s*/g, " ").trim()}`;
}

/** Prints the error and returns the exit code. */
export function reportError(e: unknown): number {
  process.stderr.write(`${errorLine(e)}\n`);
  if (process.env["LLAMA_INFER_DEBUG"] === "1" && e instanceof Error && e.stack !== undefined) process.stderr.write(`${e.stack}\n`);
  return 1;
}
