import { basename, dirname, existsSync, join, mkdirSync, readdirSync, readFileSync, renameSync, resolve, rmSync, statSync } from "#platform/fs";
import { readSafetensors, removeStaleTemps, writeFileAtomic, writeSafetensors, type Rng, type RngState, type Tensor, type TensorSource } from "@mini/tensor";
import { CheckpointError, StateDictError } from "./errors.js";
import { Dropout } from "./layers/dropout.js";
import type { Module } from "./module.js";
import type { Optimizer, OptimizerState } from "./optim/optimizer.js";
import { ParamSource } from "./param-source.js";

/**
 * Checkpoints: a directory holding
 *
 *   model.safetensors      the model's state dict (HF tensor names, loadable by other tools)
 *   optimizer.safetensors  optional: per-parameter optimizer state (`<param>.exp_avg`, …)
 *   checkpoint.json        format version, step, model config, optimizer kind/step/hyperparameters,
 *                          random-generator states (the model's dropout streams, and named ones)
 *
 * Saving is atomic: everything is written into a hidden temporary directory beside the target,
 * which then replaces the target by rename, so an interrupted save leaves either the old
 * checkpoint or the new one, never a mix or a half-written file.
 */

export const CHECKPOINT_FORMAT = "mini-nn-checkpoint";
export const CHECKPOINT_VERSION = 1;
const MODEL_FILE = "model.safetensors";
const OPTIMIZER_FILE = "optimizer.safetensors";
const META_FILE = "checkpoint.json";

export interface CheckpointMeta {
  format: typeof CHECKPOINT_FORMAT;
  version: number;
  step: number | null;
  config: unknown;
  numParameters: number;
  files: { model: string; optimizer: string | null };
  optimizer: { kind: string; step: number; hyper: Record<string, number | boolean> } | null;
  /**
   * Generator states (absent in checkpoints written before they were saved): `dropout`, one per
   * distinct Rng of the model's Dropout layers in module order; `named`, those given in `rngs`.
   */
  rngs?: { dropout: RngState[]; named: Record<string, RngState> };
}

export interface SaveCheckpointOptions {
  model: Module;
  optimizer?: Optimizer;
  /** Training step reached (stored in checkpoint.json). */
  step?: number;
  /** Anything JSON-serialisable that rebuilds the model (its config). */
  config?: unknown;
  /**
   * More generators to save by name (data order, sampling), restored by `loadCheckpoint(dir, { rngs })`.
   * The model's dropout generators are saved without being listed here.
   */
  rngs?: Record<string, Rng>;
}

/** The distinct generators of the model's Dropout layers, in module order (blocks often share one). */
function dropoutRngs(model: Module): Rng[] {
  const out: Rng[] = [];
  for (const m of model.modules()) if (m instanceof Dropout && !out.includes(m.rng)) out.push(m.rng);
  return out;
}

/** Writes a checkpoint into `dir` atomically (replacing an existing checkpoint there). */
export async function saveCheckpoint(dir: string, ck: SaveCheckpointOptions): Promise<void> {
  const target = resolve(dir);
  if (ck.step !== undefined && !(Number.isInteger(ck.step) && ck.step >= 0)) {
    throw new CheckpointError(`saveCheckpoint(${dir}): step must be an integer ≥ 0, got ${ck.step}`);
  }
  if (existsSync(target) && !existsSync(join(target, META_FILE)) && readdirSync(target).length > 0) {
    throw new CheckpointError(`saveCheckpoint(${dir}): refusing to replace a non-empty directory that is not a checkpoint (no ${META_FILE})`);
  }
  let configJson: string;
  try {
    configJson = JSON.stringify(ck.config ?? null);
  } catch (e) {
    throw new CheckpointError(`saveCheckpoint(${dir}): config is not JSON-serialisable: ${(e as Error).message}`);
  }
  const parent = dirname(target);
  mkdirSync(parent, { recursive: true });
  removeStaleTemps(parent, `.${basename(target)}.tmp-`);
  const tmp = join(parent, `.${basename(target)}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 10)}`);
  mkdirSync(tmp);
  try {
    const optState = ck.optimizer?.stateDict() ?? null;
    await writeSafetensors(join(tmp, MODEL_FILE), ck.model.stateDict(), { format: "pt" });
    if (optState) {
      await writeSafetensors(join(tmp, OPTIMIZER_FILE), optState.tensors, { kind: optState.kind, step: String(optState.step) });
    }
    const meta: CheckpointMeta = {
      format: CHECKPOINT_FORMAT,
      version: CHECKPOINT_VERSION,
      step: ck.step ?? null,
      config: JSON.parse(configJson) as unknown,
      numParameters: ck.model.numParameters(),
      files: { model: MODEL_FILE, optimizer: optState ? OPTIMIZER_FILE : null },
      optimizer: optState ? { kind: optState.kind, step: optState.step, hyper: optState.hyper } : null,
      rngs: {
        dropout: dropoutRngs(ck.model).map((r) => r.getState()),
        named: Object.fromEntries(Object.entries(ck.rngs ?? {}).map(([name, r]) => [name, r.getState()])),
      },
    };
    // checkpoint.json last: a directory with it is complete.
    writeFileAtomic(join(tmp, META_FILE), JSON.stringify(meta, null, 2) + "\n");
    replaceDir(tmp, target);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}

/** Moves `tmp` to `target`; an existing target is moved aside first and removed after. */
function replaceDir(tmp: string, target: string): void {
  if (!existsSync(target)) {
    renameSync(tmp, target);
    return;
  }
  const old = join(dirname(target), `.${basename(target)}.old-${process.pid}-${Math.random().toString(36).slice(2, 10)}`);
  renameSync(target, old);
  // Between these two renames the checkpoint lives at `old`; loadCheckpoint finds it there.
  renameSync(tmp, target);
  rmSync(old, { recursive: true, force: true });
}

export interface LoadedCheckpoint {
  /** The directory actually read (a backup beside `dir` if a save was interrupted mid-replace). */
  dir: string;
  meta: CheckpointMeta;
  step: number | null;
  config: unknown;
  /** The model tensors (lazy safetensors file). */
  modelTensors: TensorSource;
  /** The optimizer state, if one was saved. */
  optimizerState: OptimizerState | null;
  /** A ParamSource over the model tensors: build a model from the checkpoint with it. */
  params(opts?: { pinned?: boolean }): ParamSource;
}

export interface LoadCheckpointOptions {
  /** Restore into this model (strict: every tensor must fit). */
  model?: Module;
  /** Restore into this optimizer (same kind, same parameter names and shapes). */
  optimizer?: Optimizer;
  /** Restore these generators in place from the states saved under the same names. */
  rngs?: Record<string, Rng>;
}

/**
 * Reads a checkpoint; with `model`/`optimizer`, restores them exactly (bit-identical values), and
 * with `model` also the states of its dropout generators, so training resumes with the same masks.
 * A model of another configuration gets one StateDictError naming every mismatched tensor; nothing
 * is changed unless model, optimizer and generators all fit.
 */
export async function loadCheckpoint(dir: string, opts: LoadCheckpointOptions = {}): Promise<LoadedCheckpoint> {
  const found = locate(resolve(dir), dir);
  const meta = readMeta(found, dir);
  const modelTensors = (await readSafetensors(join(found, meta.files.model)));
  let optimizerState: OptimizerState | null = null;
  if (meta.optimizer && meta.files.optimizer) {
    const f = (await readSafetensors(join(found, meta.files.optimizer)));
    const tensors: Record<string, Tensor> = {};
    for (const n of f.names()) tensors[n] = f.get(n);
    optimizerState = { kind: meta.optimizer.kind, step: meta.optimizer.step, hyper: meta.optimizer.hyper, tensors };
  }
  if (opts.optimizer && !optimizerState) {
    throw new CheckpointError(`loadCheckpoint(${dir}): an optimizer was given but the checkpoint has no optimizer state`);
  }
  const restoreRngs = rngRestorer(dir, meta, opts);
  try {
    if (opts.optimizer) opts.optimizer.checkStateDict(optimizerState!);
    if (opts.model) opts.model.loadStateDict(modelTensors, { strict: true });
  } catch (e) {
    if (e instanceof StateDictError) {
      throw new StateDictError(`loadCheckpoint(${dir}) (saved with config ${JSON.stringify(meta.config)})`, e.missing, e.unexpected, e.misShaped);
    }
    throw e;
  }
  if (opts.optimizer) opts.optimizer.loadStateDict(optimizerState!);
  restoreRngs();
  return {
    dir: found,
    meta,
    step: meta.step,
    config: meta.config,
    modelTensors,
    optimizerState,
    params: (p = {}) => ParamSource.fromTensors(modelTensors, { ...p, name: join(found, meta.files.model) }),
  };
}

/**
 * Checks that every generator to restore has a saved state (throwing CheckpointError before anything
 * is changed), and returns the function that restores them.
 */
function rngRestorer(dir: string, meta: CheckpointMeta, opts: LoadCheckpointOptions): () => void {
  const jobs: [Rng, RngState][] = [];
  if (opts.model && meta.rngs) {
    const rngs = dropoutRngs(opts.model);
    if (rngs.length !== meta.rngs.dropout.length) {
      throw new CheckpointError(
        `loadCheckpoint(${dir}): the model has ${rngs.length} dropout generator(s), the checkpoint saved ${meta.rngs.dropout.length}`,
      );
    }
    rngs.forEach((r, i) => jobs.push([r, meta.rngs!.dropout[i]!]));
  }
  for (const [name, rng] of Object.entries(opts.rngs ?? {})) {
    const state = meta.rngs?.named[name];
    if (state === undefined) {
      const saved = Object.keys(meta.rngs?.named ?? {});
      throw new CheckpointError(`loadCheckpoint(${dir}): no generator state named "${name}" (saved: ${saved.length > 0 ? saved.join(", ") : "none"})`);
    }
    jobs.push([rng, state]);
  }
  return () => {
    for (const [rng, state] of jobs) rng.setState(state);
  };
}

/** `dir`, or the backup an interrupted replace left beside it. */
function locate(target: string, dir: string): string {
  if (existsSync(join(target, META_FILE))) return target;
  const parent = dirname(target);
  const base = basename(target);
  if (existsSync(parent)) {
    const backups = readdirSync(parent)
      .filter((n) => n.startsWith(`.${base}.old-`) && existsSync(join(parent, n, META_FILE)))
      .map((n) => join(parent, n))
      .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
    if (backups.length > 0) return backups[0]!;
  }
  const why = existsSync(target) ? `it has no ${META_FILE}` : "it does not exist";
  throw new CheckpointError(`loadCheckpoint(${dir}): not a checkpoint directory (${why})`);
}

function readMeta(found: string, dir: string): CheckpointMeta {
  let meta: CheckpointMeta;
  try {
    meta = JSON.parse(readFileSync(join(found, META_FILE), "utf8")) as CheckpointMeta;
  } catch (e) {
    throw new CheckpointError(`loadCheckpoint(${dir}): cannot read ${META_FILE}: ${(e as Error).message}`);
  }
  if (meta.format !== CHECKPOINT_FORMAT) {
    throw new CheckpointError(`loadCheckpoint(${dir}): ${META_FILE} has format "${String(meta.format)}", expected "${CHECKPOINT_FORMAT}"`);
  }
  if (meta.version !== CHECKPOINT_VERSION) {
    throw new CheckpointError(`loadCheckpoint(${dir}): format version ${meta.version} is not supported (this @mini/nn reads version ${CHECKPOINT_VERSION})`);
  }
  return meta;
}
