/**
 * A model directory whose files are already in memory: what a browser has after a folder picker
 * (File objects), fetch (Response objects) or an unzip (bytes). Same files and checks as
 * loadModelDir, without a file system:
 *
 *   const files = { "config.json": await fetch(`${base}/config.json`), "model.safetensors": …, "tokenizer.json": … };
 *   const { model, tokenizer, eosTokenIds } = await loadModelFromFiles(files, { name: "story" });
 */
import { parseSafetensors } from "@mini/tensor";
import { convertingMatrixLoader } from "../models/llama/compact-weights.js";
import { reserveModelHeap } from "../models/llama/heap-budget.js";
import { LlamaModel } from "../models/llama/model.js";
import { loadLlamaWeights } from "../models/llama/weights.js";
import { CHAT_TEMPLATE_FILE, tokenizerFromJson } from "../tokenizers/hf/load.js";
import type { HfTokenizer } from "../tokenizers/hf/hf-tokenizer.js";
import { ModelLoadError } from "./errors.js";
import type { LoadModelDirOptions } from "./model-dir.js";
import { parseJsonFile, parseModelMeta, type ModelMeta } from "./model-meta.js";
import { openWeights } from "./safetensors-source.js";

/** One file's content: bytes, or something that yields them (a File/Blob, a fetch Response). */
export type ModelFileInput = Uint8Array | ArrayBuffer | Blob | Response;

export interface LoadModelFilesOptions extends LoadModelDirOptions {
  /** How the directory is named in error messages (default "model"). */
  name?: string;
}

export interface LoadedModelFiles extends ModelMeta {
  readonly model: LlamaModel;
  /** From tokenizer.json (+ tokenizer_config.json, special_tokens_map.json); null when absent. */
  readonly tokenizer: HfTokenizer | null;
}

/** Reads every input to bytes (a Response with a non-2xx status is an error naming the file). */
export async function readModelFiles(files: Readonly<Record<string, ModelFileInput>>, name = "model"): Promise<Map<string, Uint8Array>> {
  const out = new Map<string, Uint8Array>();
  await Promise.all(
    Object.entries(files).map(async ([file, input]) => {
      out.set(file, await bytesOf(input, `${name}/${file}`));
    }),
  );
  return out;
}

/** Loads config, weights and tokenizer from `files` (keys are file names: "config.json", "model.safetensors", …). */
export async function loadModelFromFiles(
  files: Readonly<Record<string, ModelFileInput>>,
  opts: LoadModelFilesOptions = {},
): Promise<LoadedModelFiles> {
  const name = opts.name ?? "model";
  const bytes = await readModelFiles(files, name);
  const pathOf = (file: string): string => (file === "" ? name : `${name}/${file}`);
  const text = (file: string): string => new TextDecoder().decode(bytes.get(file));
  const json = (file: string): unknown => (bytes.has(file) ? parseJsonFile(text(file), pathOf(file)) : undefined);

  if (!bytes.has("config.json")) throw new ModelLoadError(pathOf("config.json"), undefined, "missing (every model directory needs a config.json)");
  const meta = parseModelMeta(json("config.json"), pathOf("config.json"), json("generation_config.json"), pathOf("generation_config.json"));
  const source = await openWeights({
    pathOf,
    exists: (file) => bytes.has(file),
    text,
    open: (file) => parseSafetensors(bytes.get(file)!, pathOf(file)),
  });
  reserveModelHeap(meta.config, opts, `the model ${name}`); // one memory growth at most, before any weight
  const model = new LlamaModel(meta.config, loadLlamaWeights(meta.config, source, convertingMatrixLoader(source, opts.dtype ?? "f32", meta.config.tieWordEmbeddings)), opts);
  const tokenizer = bytes.has("tokenizer.json")
    ? tokenizerFromJson(json("tokenizer.json"), json("tokenizer_config.json"), {
        specialTokensMap: json("special_tokens_map.json"),
        chatTemplateFile: bytes.has(CHAT_TEMPLATE_FILE) ? text(CHAT_TEMPLATE_FILE) : undefined,
        files: { tokenizer: pathOf("tokenizer.json"), config: pathOf("tokenizer_config.json"), specialTokensMap: pathOf("special_tokens_map.json") },
      })
    : null;
  return { ...meta, model, tokenizer };
}

async function bytesOf(input: ModelFileInput, path: string): Promise<Uint8Array> {
  if (input instanceof Uint8Array) return input;
  if (input instanceof ArrayBuffer) return new Uint8Array(input);
  if (typeof Response !== "undefined" && input instanceof Response) {
    if (!input.ok) throw new ModelLoadError(path, undefined, `cannot fetch (HTTP ${input.status}${input.statusText ? ` ${input.statusText}` : ""})`);
    return new Uint8Array(await input.arrayBuffer());
  }
  return new Uint8Array(await (input as Blob).arrayBuffer());
}
