/**
 * Text datasets for training: reading (JSON array, JSONL, plain text lines), validation and
 * tokenization into examples with a loss mask.
 *
 * Every error is a DatasetError whose message starts with the file and the entry, RustGPT-style
 * data being hand-written: `data/chat.json[12]: dialogue has no "Assistant:" …`. Entries of a JSON
 * array are named by their 0-based index (`[12]`), lines of JSONL/text files by their 1-based line
 * number (`:13`).
 */
import { readFileSync } from "#platform/fs";
import type { Tokenizer } from "../tokenizers/tokenizer.js";

export class DatasetError extends Error {
  override name = "DatasetError";
  constructor(
    readonly file: string,
    /** "[12]" for an array entry, ":13" for a line, "" for the whole file. */
    readonly entry: string,
    readonly reason: string,
  ) {
    super(`${file}${entry}: ${reason}`);
  }
}

/** One text of a file, and where it came from (for messages). */
export interface TextEntry {
  readonly text: string;
  /** "[i]" (JSON array) or ":line" (JSONL, text). */
  readonly where: string;
}

export interface TextDataset {
  readonly file: string;
  readonly entries: readonly TextEntry[];
}

export type DatasetFormat = "json" | "jsonl" | "text";

/** The marker that separates a dialogue's prompt from its answer. */
export const ASSISTANT_MARKER = "Assistant:";
/** RustGPT's end-of-sequence token, which every example ends with. */
export const EOS_TEXT = "</s>";

/** Format from the file name: .json → JSON array, .jsonl/.ndjson → JSONL, anything else → lines. */
export function formatOf(file: string): DatasetFormat {
  const lower = file.toLowerCase();
  if (lower.endsWith(".jsonl") || lower.endsWith(".ndjson")) return "jsonl";
  if (lower.endsWith(".json")) return "json";
  return "text";
}

/** Reads and validates a dataset file (format from the extension unless given). */
export function readTextDataset(file: string, format: DatasetFormat = formatOf(file)): TextDataset {
  let content: string;
  try {
    content = readFileSync(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "file not found" : code === "EISDIR" ? "is a directory, expected a file" : (e as Error).message;
    throw new DatasetError(file, "", why);
  }
  return parseTextDataset(content, file, format);
}

/** Parses the content of a dataset file; `file` only names it in messages. */
export function parseTextDataset(content: string, file: string, format: DatasetFormat = formatOf(file)): TextDataset {
  const entries = format === "json" ? parseJsonArray(content, file) : parseLines(content, file, format === "jsonl");
  if (entries.length === 0) throw new DatasetError(file, "", "the dataset is empty (expected at least one text)");
  return { file, entries };
}

function parseJsonArray(content: string, file: string): TextEntry[] {
  let json: unknown;
  try {
    json = JSON.parse(content);
  } catch (e) {
    throw new DatasetError(file, "", `malformed JSON (${(e as Error).message})`);
  }
  if (!Array.isArray(json)) {
    throw new DatasetError(file, "", `expected a JSON array of strings, got ${kindOf(json)}`);
  }
  return json.map((v: unknown, i) => ({ text: checkText(v, file, `[${i}]`), where: `[${i}]` }));
}

function parseLines(content: string, file: string, jsonl: boolean): TextEntry[] {
  const entries: TextEntry[] = [];
  content.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === "") return; // blank lines separate nothing; skip them
    const where = `:${i + 1}`;
    if (!jsonl) {
      entries.push({ text: line.trim(), where });
      return;
    }
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch (e) {
      throw new DatasetError(file, where, `malformed JSON line (${(e as Error).message})`);
    }
    if (v !== null && typeof v === "object" && !Array.isArray(v) && "text" in v) v = (v as { text: unknown }).text;
    entries.push({ text: checkText(v, file, where), where });
  });
  return entries;
}

function checkText(v: unknown, file: string, where: string): string {
  if (typeof v !== "string") throw new DatasetError(file, where, `expected a string, got ${kindOf(v)}`);
  if (v.trim() === "") throw new DatasetError(file, where, "empty text");
  return v.trim();
}

function kindOf(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "object") return "an object";
  const s = JSON.stringify(v);
  return `${typeof v} ${s.length > 40 ? `${s.slice(0, 37)}...` : s}`;
}

/** A dialogue cut at its first "Assistant:": prompt = "User: … Assistant:", answer = the rest. */
export interface DialogueParts {
  readonly prompt: string;
  readonly answer: string;
}

/** Splits "User: q Assistant: a </s>"; null when there is no marker. */
export function splitDialogue(text: string): DialogueParts | null {
  const at = text.indexOf(ASSISTANT_MARKER);
  if (at < 0) return null;
  const cut = at + ASSISTANT_MARKER.length;
  return { prompt: text.slice(0, cut), answer: text.slice(cut) };
}

/** The prompt a chat front-end renders for one user message (same shape as the training data). */
export function renderDialoguePrompt(question: string): string {
  return `User: ${question.trim()} ${ASSISTANT_MARKER}`;
}

/**
 * One tokenized example. `lossMask[i] = 1` when token i is a prediction target (so the logits at
 * position i − 1 are scored): every token but the first for plain text, only the answer tokens
 * (after "Assistant:" up to and including `</s>`) for dialogues.
 */
export interface Example {
  readonly ids: Int32Array;
  readonly lossMask: Uint8Array;
  /** Number of prompt tokens ("User: … Assistant:"); 0 for plain text. */
  readonly promptLength: number;
  /** The text it was made from, and where that text is in its file ("[12]", ":13"). */
  readonly text: string;
  readonly where: string;
}

export interface TokenizedDataset {
  readonly file: string;
  readonly kind: "text" | "dialogue";
  readonly examples: readonly Example[];
  /** Tokens mapped to the unknown token (words not in the vocabulary). */
  readonly unknownTokens: number;
  /** Total tokens over all examples. */
  readonly totalTokens: number;
}

export interface TokenizeOptions {
  /** "text": loss on every token; "dialogue": entries must contain "Assistant:", loss on the answer. */
  kind: "text" | "dialogue";
  /** Longest example in tokens (the model's context). */
  maxSeqLen: number;
  /** Append " </s>" to entries that do not end with it (default true), so generation learns to stop. */
  appendEos?: boolean;
}

/** Tokenizes and validates every entry: dialogues need a marker and an answer; rows must fit the context. */
export function tokenizeDataset(data: TextDataset, tokenizer: Tokenizer, opts: TokenizeOptions): TokenizedDataset {
  const unkId = tokenizer.unkToken === undefined ? undefined : tokenizer.tokenToId(tokenizer.unkToken);
  const encode = (s: string): number[] => tokenizer.encode(s, { addSpecialTokens: false });
  const examples: Example[] = [];
  let unknownTokens = 0;
  let totalTokens = 0;
  for (const entry of data.entries) {
    const fail = (reason: string): never => {
      throw new DatasetError(data.file, entry.where, reason);
    };
    let text = entry.text;
    if ((opts.appendEos ?? true) && !text.endsWith(EOS_TEXT)) text = `${text} ${EOS_TEXT}`;
    let ids: number[];
    let promptLength = 0;
    if (opts.kind === "dialogue") {
      const parts = splitDialogue(text);
      if (parts === null) fail(`dialogue has no "${ASSISTANT_MARKER}" (expected "User: <question> ${ASSISTANT_MARKER} <answer> ${EOS_TEXT}")`);
      const prompt = encode(parts!.prompt);
      const answer = encode(parts!.answer);
      const eosId = tokenizer.tokenToId(EOS_TEXT);
      if (answer.length === 0 || (answer.length === 1 && answer[0] === eosId)) fail(`dialogue has an empty answer after "${ASSISTANT_MARKER}"`);
      ids = [...prompt, ...answer];
      promptLength = prompt.length;
    } else {
      ids = encode(text);
    }
    if (ids.length < 2) fail(`text is ${ids.length} token long; at least 2 are needed to predict one`);
    if (ids.length > opts.maxSeqLen) {
      fail(`text is ${ids.length} tokens long; the maximum sequence length is ${opts.maxSeqLen} (shorten it or raise --max-seq-len)`);
    }
    const lossMask = new Uint8Array(ids.length);
    lossMask.fill(1, Math.max(1, promptLength));
    if (unkId !== undefined) for (const id of ids) if (id === unkId) unknownTokens++;
    totalTokens += ids.length;
    examples.push({ ids: Int32Array.from(ids), lossMask, promptLength, text, where: entry.where });
  }
  return { file: data.file, kind: opts.kind, examples, unknownTokens, totalTokens };
}
