/**
 * The one error type of tokenizer loading, and the small typed readers of untyped JSON that
 * throw it. Every message names the file and the component, e.g.
 * `tokenizer.json: unsupported pre_tokenizer type "BertPreTokenizer"`, so the user knows which
 * part of which file to look at without reading our code.
 */

export class TokenizerLoadError extends Error {
  override name = "TokenizerLoadError";
  constructor(
    /** The file at fault ("tokenizer.json" for in-memory json, else the path). */
    readonly file: string,
    /** The component or field, e.g. "pre_tokenizer" or "model.merges". */
    readonly component: string | undefined,
    message: string,
  ) {
    super(`${file}: ${message}`);
  }
}

export type JsonObject = Record<string, unknown>;

/** Where a component came from: the file name and the json path of the component. */
export interface Origin {
  readonly file: string;
  readonly path: string;
}

export function unsupported(origin: Origin, kind: string, type: unknown): TokenizerLoadError {
  return new TokenizerLoadError(
    origin.file,
    origin.path,
    `unsupported ${kind} type ${JSON.stringify(type)} (at ${origin.path})`,
  );
}

export function badField(origin: Origin, field: string, expected: string, got: unknown): TokenizerLoadError {
  const shown = JSON.stringify(got);
  const short = shown === undefined ? "undefined" : shown.length > 60 ? `${shown.slice(0, 57)}...` : shown;
  const where = field === "" ? origin.path : `${origin.path}.${field}`;
  return new TokenizerLoadError(origin.file, where, `${where}: expected ${expected}, got ${short}`);
}

export function isObject(x: unknown): x is JsonObject {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

export function asObject(origin: Origin, field: string, x: unknown): JsonObject {
  if (!isObject(x)) throw badField(origin, field, "an object", x);
  return x;
}

export function optString(origin: Origin, obj: JsonObject, field: string): string | undefined {
  const v = obj[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") throw badField(origin, field, "a string", v);
  return v;
}

export function reqString(origin: Origin, obj: JsonObject, field: string): string {
  const v = optString(origin, obj, field);
  if (v === undefined) throw badField(origin, field, "a string", obj[field]);
  return v;
}

export function optBool(origin: Origin, obj: JsonObject, field: string, dflt: boolean): boolean {
  const v = obj[field];
  if (v === undefined || v === null) return dflt;
  if (typeof v !== "boolean") throw badField(origin, field, "a boolean", v);
  return v;
}

export function optNumber(origin: Origin, obj: JsonObject, field: string, dflt: number): number {
  const v = obj[field];
  if (v === undefined || v === null) return dflt;
  if (typeof v !== "number") throw badField(origin, field, "a number", v);
  return v;
}

export function child(origin: Origin, path: string): Origin {
  return { file: origin.file, path: path.startsWith("[") ? `${origin.path}${path}` : `${origin.path}.${path}` };
}
