/**
 * The weights of a model directory as one TensorSource: a single `model.safetensors`, or the
 * shards listed by `model.safetensors.index.json` (its `weight_map`: tensor name → shard file).
 *
 * Aliases: transformers saves a tied matrix once and records the other name in `__metadata__`
 * (e.g. {"model.embed_tokens.weight": "lm_head.weight"}); a metadata entry whose key is not a
 * stored tensor and whose value is one is resolved as an alias, so either name loads the matrix.
 */
import { existsSync, join, readFileSync } from "#platform/fs";
import { readSafetensors, SafetensorsError, type SafetensorsFile, type TensorSource } from "@mini/tensor";
import { ModelLoadError } from "./errors.js";

export const SINGLE_FILE = "model.safetensors";
export const INDEX_FILE = "model.safetensors.index.json";

interface Location {
  file: SafetensorsFile;
  path: string;
}

/**
 * Where the weight files of a model come from: a directory on disk (openSafetensorsSource) or
 * bytes in memory (sourceFromFiles, for a browser's folder picker or a download).
 */
export interface WeightFiles {
  /** How a file is named in messages (a path on disk). */
  pathOf(name: string): string;
  exists(name: string): boolean;
  text(name: string): string;
  open(name: string): SafetensorsFile | Promise<SafetensorsFile>;
}

/** Opens the weights of `dir` (no tensor data is converted until `get`). */
export async function openSafetensorsSource(dir: string): Promise<TensorSource> {
  return openWeights({
    pathOf: (name) => join(dir, name),
    exists: (name) => existsSync(join(dir, name)),
    text: (name) => readFileSync(join(dir, name), "utf8"),
    open: (name) => readSafetensors(join(dir, name)),
  });
}

/** Opens the weights among `files` (single file or index + shards, as in a directory). */
export async function openWeights(files: WeightFiles): Promise<TensorSource> {
  const where = new Map<string, Location>(); // stored name → its file
  const aliases = new Map<string, string>(); // alias → stored name
  const single = files.pathOf(SINGLE_FILE);
  const index = files.pathOf(INDEX_FILE);
  let defaultFile: string;

  if (files.exists(SINGLE_FILE)) {
    defaultFile = single;
    const file = await open(files, SINGLE_FILE);
    for (const name of file.names()) where.set(name, { file, path: single });
    addAliases(aliases, where, file);
  } else if (files.exists(INDEX_FILE)) {
    defaultFile = index;
    const weightMap = readWeightMap(files, INDEX_FILE);
    const opened = new Map<string, SafetensorsFile>();
    for (const shardName of new Set(Object.values(weightMap))) {
      if (!files.exists(shardName)) {
        throw new ModelLoadError(index, `shard "${shardName}"`, `listed in weight_map but ${files.pathOf(shardName)} does not exist`);
      }
      opened.set(shardName, await open(files, shardName));
    }
    for (const [name, shardName] of Object.entries(weightMap)) {
      const file = opened.get(shardName)!;
      const path = files.pathOf(shardName);
      if (!file.has(name)) throw new ModelLoadError(path, `tensor "${name}"`, `missing (${INDEX_FILE} maps it to this shard)`);
      where.set(name, { file, path });
    }
    // Aliases recorded in any shard's metadata.
    for (const file of opened.values()) addAliases(aliases, where, file);
  } else {
    throw new ModelLoadError(files.pathOf(""), undefined, `no weights: neither ${SINGLE_FILE} nor ${INDEX_FILE} exists`);
  }

  return {
    names: () => [...where.keys()],
    has: (name) => where.has(name),
    info: (name) => get(name).file.info(name),
    get: (name, opts = {}) => {
      const loc = get(name);
      try {
        return loc.file.get(name, { pinned: opts.pinned ?? true });
      } catch (e) {
        throw wrap(e, loc.path);
      }
    },
    readF32: (name, start, into) => {
      const loc = get(name);
      try {
        loc.file.readF32!(name, start, into);
      } catch (e) {
        throw wrap(e, loc.path);
      }
    },
    resolveAlias: (name) => (where.has(name) ? undefined : aliases.get(name)),
    fileOf: (name) => where.get(name)?.path ?? where.get(aliases.get(name) ?? "")?.path ?? defaultFile,
  };

  function get(name: string): Location {
    const loc = where.get(name);
    if (loc === undefined) throw new ModelLoadError(defaultFile, `tensor "${name}"`, "missing");
    return loc;
  }
}

async function open(files: WeightFiles, name: string): Promise<SafetensorsFile> {
  try {
    return await files.open(name);
  } catch (e) {
    throw wrap(e, files.pathOf(name));
  }
}

/** The `__metadata__` entries of `file` whose key is not stored and whose value is: aliases (tied weights). */
function addAliases(aliases: Map<string, string>, where: Map<string, Location>, file: SafetensorsFile): void {
  for (const [alias, target] of Object.entries(file.metadata ?? {})) {
    if (!where.has(alias) && typeof target === "string" && where.has(target)) aliases.set(alias, target);
  }
}

function readWeightMap(files: WeightFiles, name: string): Record<string, string> {
  const index = files.pathOf(name);
  let json: unknown;
  try {
    json = JSON.parse(files.text(name));
  } catch (e) {
    throw new ModelLoadError(index, undefined, `not valid JSON (${(e as Error).message})`);
  }
  const map = (json as { weight_map?: unknown } | null)?.weight_map;
  if (map === null || typeof map !== "object" || Array.isArray(map)) {
    throw new ModelLoadError(index, `field "weight_map"`, "missing or not an object of tensor name → shard file");
  }
  for (const [k, v] of Object.entries(map)) {
    if (typeof v !== "string") throw new ModelLoadError(index, `field "weight_map"`, `entry "${k}" is not a file name`);
  }
  return map as Record<string, string>;
}

/** A SafetensorsError (already naming file and tensor) becomes a ModelLoadError; others pass through with the file. */
function wrap(e: unknown, path: string): Error {
  if (e instanceof ModelLoadError) return e;
  if (e instanceof SafetensorsError) {
    return new ModelLoadError(e.file, e.tensor === undefined ? undefined : `tensor "${e.tensor}"`, e.reason);
  }
  const err = new ModelLoadError(path, undefined, (e as Error)?.message ?? String(e));
  err.cause = e;
  return err;
}
