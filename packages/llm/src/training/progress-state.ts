/**
 * Where a training run stands, saved with each checkpoint so `resume` continues exactly: same
 * phase, epoch and step inside the epoch (the per-epoch shuffle is a pure function of seed, phase
 * and epoch, so the remaining batches are the same ones), same partial sums for the epoch's mean.
 */
import { loadCheckpoint, saveCheckpoint, StateDictError, type Optimizer } from "@mini/nn";
import type { TrainableLM } from "./trainable-lm.js";

export interface PhaseProgressState {
  /** Mean loss of each finished epoch. */
  epochLosses: number[];
  /** Wall time spent so far in this phase (seconds), and real tokens seen. */
  seconds: number;
  tokens: number;
  steps: number;
}

export interface TrainingState {
  /** Index in the phase list of the phase in progress. */
  phaseIndex: number;
  /** Epoch in progress (0-based) and the number of its steps already done. */
  epoch: number;
  stepInEpoch: number;
  /** Sum and count of the step losses of the epoch in progress. */
  epochLossSum: number;
  epochLossSteps: number;
  /** Optimizer steps since the start of the phase (drives the LR schedule). */
  phaseStep: number;
  /** Per phase, by name. */
  phases: Record<string, PhaseProgressState>;
  seed: number;
}

/** Thrown on resume when the checkpoint does not fit this run (message names the field). */
export class ResumeError extends Error {
  override name = "ResumeError";
}

interface SavedConfig {
  model: Record<string, unknown>;
  state: TrainingState;
  /** The phase names and sizes of the run that saved it (checked on resume). */
  phases: { name: string; examples: number; epochs: number; batchSize: number }[];
  extra?: unknown;
}

export async function saveTrainingCheckpoint(
  dir: string,
  model: TrainableLM,
  optimizer: Optimizer,
  state: TrainingState,
  phases: SavedConfig["phases"],
  extra?: unknown,
): Promise<void> {
  const config: SavedConfig = { model: model.describe(), state: structuredClone(state), phases, ...(extra !== undefined ? { extra } : {}) };
  await saveCheckpoint(dir, { model: model.module, optimizer, step: state.phaseStep, config });
}

/** Reads the state of a checkpoint without touching any model (to know which phase to set up). */
export async function readTrainingCheckpoint(dir: string): Promise<{ state: TrainingState; model: Record<string, unknown>; phases: SavedConfig["phases"]; extra: unknown }> {
  const ck = await loadCheckpoint(dir);
  const cfg = ck.config as Partial<SavedConfig> | null;
  if (!cfg || typeof cfg !== "object" || !cfg.state || !cfg.model) {
    throw new ResumeError(`${ck.dir}: not a training checkpoint (checkpoint.json has no trainer state)`);
  }
  return { state: cfg.state, model: cfg.model, phases: cfg.phases ?? [], extra: cfg.extra };
}

/** Checks that the checkpoint's model is this model's configuration; names the first differing field. */
export function checkSameModel(dir: string, saved: Record<string, unknown>, model: TrainableLM): void {
  const now = model.describe();
  for (const key of new Set([...Object.keys(saved), ...Object.keys(now)])) {
    if (JSON.stringify(saved[key]) !== JSON.stringify(now[key])) {
      throw new ResumeError(
        `${dir}: checkpoint from a different configuration: ${key} is ${JSON.stringify(saved[key])} in the checkpoint, ` +
          `${JSON.stringify(now[key])} in this run`,
      );
    }
  }
}

/** Restores model and optimizer from a checkpoint saved by saveTrainingCheckpoint. */
export async function restoreTrainingCheckpoint(dir: string, model: TrainableLM, optimizer: Optimizer): Promise<void> {
  const { model: saved } = await readTrainingCheckpoint(dir);
  checkSameModel(dir, saved, model);
  try {
    await loadCheckpoint(dir, { model: model.module, optimizer });
  } catch (e) {
    if (e instanceof StateDictError) throw new ResumeError(firstMisfit(dir, e));
    throw e;
  }
}

/** One short line naming the first tensor that does not fit (the full list stays on the StateDictError). */
function firstMisfit(dir: string, e: StateDictError): string {
  const shape = (s: readonly number[]) => `[${s.join(", ")}]`;
  const total = e.misShaped.length + e.missing.length + e.unexpected.length;
  const more = total > 1 ? ` (and ${total - 1} more difference${total > 2 ? "s" : ""})` : "";
  const m = e.misShaped[0];
  const first =
    m !== undefined
      ? `tensor "${m.name}" is ${shape(m.got)} in the checkpoint, ${shape(m.expected)} in this model`
      : e.missing[0] !== undefined
        ? `tensor "${e.missing[0]}" of this model is not in the checkpoint`
        : `the checkpoint has tensor "${e.unexpected[0]}", which this model does not`;
  return `${dir}: checkpoint of another model: ${first}${more}`;
}
