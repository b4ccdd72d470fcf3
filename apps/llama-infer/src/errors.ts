/**
 * How a failure reads: `error: <message>` on one line. The library's messages already name the
 * file, tensor, field or option; an OptionError is rephrased with the flag's spelling.
 */
import { OptionError } from "@mini/llm";
import { asUsageError } from "./options.js";

export function errorLine(e: unknown): string {
  const err = e instanceof OptionError ? asUsageError(e) : e;
  const message = err instanceof Error ? err.message : String(err);
  return `error: ${message.replace(/\s*\n\s*/g, " ").trim()}`;
}
