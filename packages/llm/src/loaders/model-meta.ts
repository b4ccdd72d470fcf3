/**
 * The non-weight part of a model directory, from parsed JSON: config.json's architecture and the
 * stop/start ids merged with generation_config.json's. Shared by loadModelDir (a directory on disk)
 * and loadModelFromFiles (bytes in memory), so both read a directory the same way.
 */
import { parseEosIds, parseLlamaConfig, type LlamaConfig } from "../models/llama/config.js";
import { ModelLoadError } from "./errors.js";

export interface ModelMeta {
  readonly config: LlamaConfig;
  /** Stop ids: the union of generation_config.json's and config.json's eos_token_id. */
  readonly eosTokenIds: readonly number[];
  /** generation_config.json's bos_token_id, else config.json's (null if neither has one). */
  readonly bosTokenId: number | null;
  /** The parsed generation_config.json (null when absent): sampling defaults for generate. */
  readonly generationConfig: Readonly<Record<string, unknown>> | null;
}

/** `generationJson` undefined when the directory has no generation_config.json; paths name the files in errors. */
export function parseModelMeta(configJson: unknown, configPath: string, generationJson: unknown, genPath: string): ModelMeta {
  const config = parseLlamaConfig(configJson, configPath);
  let generationConfig: Record<string, unknown> | null = null;
  if (generationJson !== undefined) {
    if (generationJson === null || typeof generationJson !== "object" || Array.isArray(generationJson)) {
      throw new ModelLoadError(genPath, undefined, "expected a JSON object");
    }
    generationConfig = generationJson as Record<string, unknown>;
  }
  const eosTokenIds = [...config.eosTokenIds];
  let bosTokenId = config.bosTokenId;
  const checkId = (id: number, file: string, field: string): void => {
    if (id >= config.vocabSize) throw new ModelLoadError(file, `field "${field}"`, `id ${id} is outside the vocabulary (vocab_size ${config.vocabSize})`);
  };
  for (const id of eosTokenIds) checkId(id, configPath, "eos_token_id");
  if (generationConfig !== null) {
    for (const id of parseEosIds(generationConfig["eos_token_id"], genPath)) {
      checkId(id, genPath, "eos_token_id");
      if (!eosTokenIds.includes(id)) eosTokenIds.push(id);
    }
    const bos = generationConfig["bos_token_id"];
    if (typeof bos === "number" && Number.isInteger(bos) && bos >= 0) {
      checkId(bos, genPath, "bos_token_id");
      bosTokenId = bos;
    }
  }
  return { config, eosTokenIds, bosTokenId, generationConfig };
}

/** JSON.parse with a ModelLoadError naming the file. */
export function parseJsonFile(text: string, path: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ModelLoadError(path, undefined, `not valid JSON (${(e as Error).message})`);
  }
}
