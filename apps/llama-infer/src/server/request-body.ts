/**
 * Reads a JSON request body with a size limit. Past the limit the rest of the body is read and
 * dropped (not kept: memory stays bounded) and the request gets a 413; answering before the
 * client has finished sending would make many clients see a reset connection instead.
 */
import type { IncomingMessage } from "node:http";
import { ApiError } from "./api-error.js";
import { checkJsonDepth } from "./request-limits.js";

export async function readJsonBody(req: IncomingMessage, limitBytes: number, maxDepth = 32): Promise<Record<string, unknown>> {
  const tooLarge = () =>
    new ApiError(413, `request body too large: the limit is ${limitBytes} bytes`, "invalid_request_error", null, "request_too_large");
  const declared = Number(req.headers["content-length"] ?? NaN);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= limitBytes && !(declared > limitBytes)) chunks.push(chunk);
  }
  if (size > limitBytes || declared > limitBytes) throw tooLarge();
  const text = Buffer.concat(chunks).toString("utf8");
  if (text.trim() === "") throw new ApiError(400, "the request body is empty; expected a JSON object", "invalid_request_error", null, "invalid_json");
  checkJsonDepth(text, maxDepth);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ApiError(400, `the request body is not valid JSON: ${(e as Error).message}`, "invalid_request_error", null, "invalid_json");
  }
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    throw new ApiError(400, "the request body must be a JSON object", "invalid_request_error", null, "invalid_json");
  }
  return json as Record<string, unknown>;
}
