/**
 * The weights of a model directory as one TensorSource: a single `model.safetensors`, or the
 * shards listed by `model.safetensors.index.json` (its `weight_map`: tensor name → shard file).
 *
 * Aliases: transformers saves a tied matrix once and records the other name in `__metadata__`
 * (e.g. {"model.embed_tokens.weight": "lm_head.weight"}); a metadata entry whose key is not a
 * stored tensor and whose value is one is resolved as an alias, so either name loads the matrix.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { readSafetensors, SafetensorsError, type SafetensorsFile, type Tensor } from "@mini/tensor";
import type { TensorSource } from "../models/llama/weights.js";
import { ModelLoadError } from "./errors.js";

export const SINGLE_FILE = "model.safetensors";
export const INDEX_FILE = "model.safetensors.index.json";

interface Location {
  file: SafetensorsFile;
  path: string;
  /** The name the data is stored under (differs from the requested name for an alias). */
  stored: string;
}

/** Opens the weights of `dir` (no tensor data is converted until `load`). */
export async function openSafetensorsSource(dir: string): Promise<TensorSource> {
  const single = join(dir, SINGLE_FILE);
  const index = join(dir, INDEX_FILE);
  const where = new Map<string, Location>();
  let defaultFile: string;

  if (existsSync(single)) {
    defaultFile = single;
    addFile(where, await open(single), single);
  } else if (existsSync(index)) {
    defaultFile = index;
    const weightMap = readWeightMap(index);
    const opened = new Map<string, SafetensorsFile>();
    for (const shardName of new Set(Object.values(weightMap))) {
      const shardPath = join(dir, shardName);
      if (!existsSync(shardPath)) {
        throw new ModelLoadError(index, `shard "${shardName}"`, `listed in weight_map but ${shardPath} does not exist`);
      }
      opened.set(shardName, await open(shardPath));
    }
    for (const [name, shardName] of Object.entries(weightMap)) {
      const file = opened.get(shardName)!;
      const path = join(dir, shardName);
      if (!file.has(name)) throw new ModelLoadError(path, `tensor "${name}"`, `missing (${INDEX_FILE} maps it to this shard)`);
      where.set(name, { file, path, stored: name });
    }
    // Aliases recorded in any shard's metadata.
    for (const [shardName, file] of opened) addAliases(where, file, join(dir, shardName));
  } else {
    throw new ModelLoadError(dir, undefined, `no weights: neither ${SINGLE_FILE} nor ${INDEX_FILE} exists`);
  }

  return {
    has: (name) => where.has(name),
    names: () => [...where.keys()],
    shape: (name) => get(name).file.info(get(name).stored).shape,
    load: (name): Tensor => {
      const loc = get(name);
      try {
        return loc.file.get(loc.stored, { pinned: true });
      } catch (e) {
        throw wrap(e, loc.path);
      }
    },
    fileOf: (name) => where.get(name)?.path ?? defaultFile,
  };

  function get(name: string): Location {
    const loc = where.get(name);
    if (loc === undefined) throw new ModelLoadError(defaultFile, `tensor "${name}"`, "missing");
    return loc;
  }
}

async function open(path: string): Promise<SafetensorsFile> {
  try {
    return await readSafetensors(path);
  } catch (e) {
    throw wrap(e, path);
  }
}

function addFile(where: Map<string, Location>, file: SafetensorsFile, path: string): void {
  for (const name of file.names()) where.set(name, { file, path, stored: name });
  addAliases(where, file, path);
}

function addAliases(where: Map<string, Location>, file: SafetensorsFile, path: string): void {
  for (const [alias, target] of Object.entries(file.metadata ?? {})) {
    if (!where.has(alias) && typeof target === "string" && file.has(target)) where.set(alias, { file, path, stored: target });
  }
}

function readWeightMap(index: string): Record<string, string> {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(index, "utf8"));
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
