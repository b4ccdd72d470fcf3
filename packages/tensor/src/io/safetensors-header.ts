import { SafetensorsError, fmtShape } from "../errors.js";

/**
 * Validation of a safetensors header (https://github.com/huggingface/safetensors):
 *   [u64 LE header length N][N bytes of UTF-8 JSON][data section]
 * Every check here runs before any tensor memory is allocated, so a hostile header cannot make
 * the reader allocate more than the file size: sizes are computed with BigInt (no silent overflow),
 * every byte range must match dtype × shape and lie inside the data section, and the ranges must
 * tile the data section exactly (no overlaps, no gaps).
 */

/** Dtypes we can read as float32. */
export type ReadableDtype = "F32" | "F16" | "BF16";
/** Every dtype the format defines with a whole number of bytes per element. */
export type SafetensorsDtype =
  | ReadableDtype
  | "F64"
  | "I64"
  | "U64"
  | "I32"
  | "U32"
  | "I16"
  | "U16"
  | "I8"
  | "U8"
  | "BOOL"
  | "F8_E5M2"
  | "F8_E4M3"
  | "F8_E8M0"
  | "C64";

export const DTYPE_BYTES: Readonly<Record<SafetensorsDtype, number>> = {
  F32: 4, F16: 2, BF16: 2, F64: 8, I64: 8, U64: 8, I32: 4, U32: 4, I16: 2, U16: 2,
  I8: 1, U8: 1, BOOL: 1, F8_E5M2: 1, F8_E4M3: 1, F8_E8M0: 1, C64: 8,
};
/** Defined by the format but with sub-byte elements: rejected up front. */
const SUB_BYTE_DTYPES = new Set(["F4", "F6_E2M3", "F6_E3M2"]);

export function isReadable(d: SafetensorsDtype): d is ReadableDtype {
  return d === "F32" || d === "F16" || d === "BF16";
}

export interface TensorInfo {
  dtype: SafetensorsDtype;
  shape: number[];
}

/** A validated entry: byte range relative to the start of the data section. */
export interface HeaderEntry extends TensorInfo {
  name: string;
  begin: number;
  end: number;
}

export interface ParsedHeader {
  /** Byte offset of the data section within the buffer. */
  dataStart: number;
  entries: Map<string, HeaderEntry>;
  metadata: Record<string, string>;
}

/** Largest header accepted (the Rust reference uses the same 100 MB cap). */
export const MAX_HEADER_BYTES = 100_000_000;
/** Largest element count accepted for one tensor (2^31 − 1, the typed-array comfort zone). */
export const MAX_ELEMENTS = 2 ** 31 - 1;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Validates a whole safetensors buffer's header (bytes = the entire file). */
export function parseHeader(bytes: Uint8Array, file: string, maxHeaderBytes = MAX_HEADER_BYTES): ParsedHeader {
  const headerLen = parseHeaderLength(bytes, bytes.length, file, maxHeaderBytes);
  return parseHeaderJson(bytes.subarray(8, 8 + headerLen), bytes.length, file);
}

/**
 * The header length N from the first 8 bytes of a file of `fileLength` bytes, checked against the
 * file size and the limit (so a reader can then read exactly N more bytes and no more).
 */
export function parseHeaderLength(first8: Uint8Array, fileLength: number, file: string, maxHeaderBytes = MAX_HEADER_BYTES): number {
  if (fileLength < 8 || first8.length < 8) throw new SafetensorsError(file, undefined, `file is ${fileLength} bytes; too short for the 8-byte header length`);
  const n = new DataView(first8.buffer, first8.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(fileLength - 8)) {
    throw new SafetensorsError(file, undefined, `header length ${n} runs past the end of the file (${fileLength} bytes, ${fileLength - 8} after the length)`);
  }
  if (n > BigInt(maxHeaderBytes)) throw new SafetensorsError(file, undefined, `header length ${n} exceeds the limit of ${maxHeaderBytes} bytes`);
  return Number(n);
}

/**
 * Validates the header JSON (the N bytes after the length) of a file of `fileLength` bytes: every
 * entry, and that the entries tile the data section [8 + N, fileLength) exactly.
 */
export function parseHeaderJson(header: Uint8Array, fileLength: number, file: string): ParsedHeader {
  const fail = (reason: string, tensor?: string) => new SafetensorsError(file, tensor, reason);
  const dataStart = 8 + header.length;
  const dataLen = fileLength - dataStart;

  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(header);
  } catch {
    throw fail("header is not valid UTF-8");
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw fail(`header is not valid JSON (${(e as Error).message})`);
  }
  if (!isObject(json)) throw fail(`header must be a JSON object, got ${Array.isArray(json) ? "an array" : json === null ? "null" : typeof json}`);

  let metadata: Record<string, string> = {};
  const entries = new Map<string, HeaderEntry>();
  for (const [name, raw] of Object.entries(json)) {
    if (name === "__metadata__") {
      metadata = parseMetadata(raw, fail);
      continue;
    }
    const entry = parseEntry(name, raw, dataLen, (reason) => fail(reason, name));
    entries.set(name, entry);
  }
  checkTiling(entries, dataLen, fail);
  return { dataStart, entries, metadata };
}

function parseMetadata(raw: unknown, fail: (r: string) => SafetensorsError): Record<string, string> {
  if (raw === null) return {};
  if (!isObject(raw)) throw fail(`__metadata__ must be an object of strings, got ${Array.isArray(raw) ? "an array" : typeof raw}`);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (typeof v !== "string") throw fail(`__metadata__["${k}"] must be a string, got ${v === null ? "null" : typeof v}`);
    out[k] = v;
  }
  return out;
}

function parseEntry(name: string, raw: unknown, dataLen: number, fail: (r: string) => SafetensorsError): HeaderEntry {
  if (!isObject(raw)) throw fail(`entry must be an object with dtype, shape and data_offsets`);
  const { dtype, shape, data_offsets: offsets } = raw;
  if (typeof dtype !== "string") throw fail(`dtype must be a string, got ${JSON.stringify(dtype) ?? "nothing"}`);
  if (SUB_BYTE_DTYPES.has(dtype)) throw fail(`unsupported dtype ${dtype} (sub-byte types cannot be read)`);
  if (!Object.hasOwn(DTYPE_BYTES, dtype)) throw fail(`bad dtype "${dtype}" (not a safetensors dtype)`);
  const dt = dtype as SafetensorsDtype;

  if (!Array.isArray(shape)) throw fail(`shape must be an array of non-negative integers, got ${JSON.stringify(shape) ?? "nothing"}`);
  let count = 1n;
  for (const d of shape) {
    if (typeof d !== "number" || !Number.isSafeInteger(d) || d < 0) {
      throw fail(`shape ${JSON.stringify(shape)} must hold non-negative integers, found ${JSON.stringify(d)}`);
    }
    count *= BigInt(d);
  }
  if (count > BigInt(MAX_ELEMENTS)) throw fail(`shape ${fmtShape(shape)} has ${count} elements, more than the limit of ${MAX_ELEMENTS}`);

  if (!Array.isArray(offsets) || offsets.length !== 2) {
    throw fail(`data_offsets must be [begin, end], got ${JSON.stringify(offsets) ?? "nothing"}`);
  }
  const [begin, end] = offsets as unknown[];
  if (typeof begin !== "number" || typeof end !== "number" || !Number.isSafeInteger(begin) || !Number.isSafeInteger(end) || begin < 0 || end < begin) {
    throw fail(`data_offsets ${JSON.stringify(offsets)} must be integers with 0 ≤ begin ≤ end`);
  }
  const need = count * BigInt(DTYPE_BYTES[dt]);
  if (BigInt(end - begin) !== need) {
    throw fail(`data_offsets [${begin}, ${end}) hold ${end - begin} bytes but ${dt} × ${fmtShape(shape)} needs ${need}`);
  }
  if (end > dataLen) throw fail(`data_offsets [${begin}, ${end}) run past the data section (${dataLen} bytes)`);
  return { name, dtype: dt, shape: shape as number[], begin, end };
}

/** The byte ranges, sorted by begin, must cover [0, dataLen) exactly once. */
function checkTiling(entries: Map<string, HeaderEntry>, dataLen: number, fail: (r: string, t?: string) => SafetensorsError): void {
  const sorted = [...entries.values()].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  let prev: HeaderEntry | undefined;
  for (const e of sorted) {
    if (e.begin < cursor) {
      throw fail(`data_offsets [${e.begin}, ${e.end}) overlap tensor "${prev!.name}" [${prev!.begin}, ${prev!.end})`, e.name);
    }
    if (e.begin > cursor) throw fail(`gap in the data section: bytes [${cursor}, ${e.begin}) belong to no tensor`, e.name);
    cursor = e.end;
    if (e.end > e.begin) prev = e;
  }
  if (cursor !== dataLen) throw fail(`gap in the data section: bytes [${cursor}, ${dataLen}) at the end belong to no tensor`);
}
