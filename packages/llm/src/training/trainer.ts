/**
 * The training loop: phases (pre-training, instruction tuning) of epochs of mini-batches.
 *
 * Per step: a right-padded batch through trainStep (train-step.ts: logits, cross-entropy over the
 * scored targets, backward, optional clip, optimizer step at the schedule's LR). Per epoch: a seeded shuffle (or file order), a snapshot of the weights
 * and optimizer for divergence recovery, and a checkpoint every `everyEpochs`.
 *
 * Stops early, saving a resumable checkpoint, when `signal` aborts (Ctrl-C); stops on a
 * non-finite loss or gradient norm, restoring the weights of the last good epoch end.
 */
import { createRng, heap } from "@mini/tensor";
import { Adam, AdamW, constantLr, warmupCosine, type LrSchedule, type Optimizer, type OptimizerState } from "@mini/nn";
import { chunkIndices, makeBatch } from "./batch.js";
import type { TokenizedDataset } from "./dataset.js";
import { IGNORE_INDEX } from "./evaluate.js";
import { NonFiniteError } from "./metrics.js";
import { readTrainingCheckpoint, restoreTrainingCheckpoint, saveTrainingCheckpoint, type TrainingState } from "./progress-state.js";
import type { TrainableLM } from "./trainable-lm.js";
import { trainStep } from "./train-step.js";
import { yieldToEvents } from "./yield-to-events.js";

export interface PhaseSpec {
  /** "pretraining", "instruction-tuning": names the phase in reports and checkpoints. */
  name: string;
  data: TokenizedDataset;
  epochs: number;
  /** Peak learning rate. */
  lr: number;
  /** "constant" (RustGPT), or linear warm-up over 5% of the steps then cosine to lr/10. */
  schedule: "constant" | "cosine";
  batchSize: number;
  /**
   * "shuffle": a seeded permutation per epoch; "file": file order every epoch (RustGPT);
   * "grouped": shuffled, then examples of similar length batched together (less padding, so
   * more real tokens per second), batches in shuffled order (HF's length-grouped sampler).
   */
  order: "shuffle" | "file" | "grouped";
  /** "mask": only targets the examples' loss masks mark (answers); "all": every next token. */
  lossOn: "mask" | "all";
  /** Global gradient-norm clip; 0 = off. */
  clipNorm: number;
  /** "adam" (L2-free, RustGPT's) or "adamw" with weightDecay. Default adam. */
  optimizer?: "adam" | "adamw";
  weightDecay?: number;
}

export interface StepReport {
  phase: string;
  epoch: number;
  stepInEpoch: number;
  stepsPerEpoch: number;
  /** Steps done in this phase. */
  phaseStep: number;
  loss: number;
  lr: number;
  /** Pre-clip gradient norm (NaN when clipping is off: not computed). */
  gradNorm: number;
  /** Real tokens in this batch and the phase's running throughput. */
  tokens: number;
  tokensPerSecond: number;
  /** This step's seconds on the trainer's clock (batch assembly, forward, backward, optimizer step). */
  seconds: number;
}

export interface EpochReport {
  phase: string;
  epoch: number;
  epochs: number;
  /** Mean of the epoch's step losses (with batch 1: RustGPT's "Loss" line). */
  meanLoss: number;
  seconds: number;
  tokensPerSecond: number;
}

export interface PhaseResult {
  name: string;
  epochLosses: number[];
  seconds: number;
  tokens: number;
  steps: number;
  tokensPerSecond: number;
}

export interface TrainResult {
  /** "completed"; "interrupted" (signal; checkpoint saved); "diverged" (non-finite; last good weights restored). */
  status: "completed" | "interrupted" | "diverged";
  phases: PhaseResult[];
  message?: string;
  /** Where the last checkpoint was written, if any. */
  checkpointDir?: string;
}

export interface TrainOptions {
  seed: number;
  padId: number;
  /** Resumable checkpoints: every `everyEpochs` epochs (0 = never periodically) and on interrupt/divergence. */
  checkpoint?: { dir: string; everyEpochs: number; extra?: unknown };
  /** Continue from this checkpoint directory (same model configuration and phases). */
  resumeFrom?: string;
  /** Aborting it stops training after the current step, with a checkpoint. */
  signal?: AbortSignal;
  onPhaseStart?(p: { phase: string; epochs: number; stepsPerEpoch: number; startEpoch: number }): void;
  onStep?(r: StepReport): void;
  onEpoch?(r: EpochReport): void;
  onPhaseEnd?(r: PhaseResult): void;
}

export async function train(model: TrainableLM, phases: readonly PhaseSpec[], opts: TrainOptions): Promise<TrainResult> {
  phases.forEach(checkPhase);
  const params = model.parameters();
  const phaseInfo = phases.map((p) => ({ name: p.name, examples: p.data.examples.length, epochs: p.epochs, batchSize: p.batchSize }));
  let state: TrainingState = { phaseIndex: 0, epoch: 0, stepInEpoch: 0, epochLossSum: 0, epochLossSteps: 0, phaseStep: 0, phases: {}, seed: opts.seed };
  if (opts.resumeFrom !== undefined) state = (await readTrainingCheckpoint(opts.resumeFrom)).state;
  // The phase whose weights and optimizer the checkpoint holds (-1: not resuming).
  const resumePhase = opts.resumeFrom !== undefined ? state.phaseIndex : -1;
  const results: PhaseResult[] = [];
  let lastCheckpoint: string | undefined;

  for (let pi = 0; pi < phases.length; pi++) {
    const spec = phases[pi]!;
    const prog = (state.phases[spec.name] ??= { epochLosses: [], seconds: 0, tokens: 0, steps: 0 });
    if (pi < state.phaseIndex) {
      results.push(phaseResult(spec.name, prog));
      continue;
    }
    if (pi > state.phaseIndex) Object.assign(state, { phaseIndex: pi, epoch: 0, stepInEpoch: 0, epochLossSum: 0, epochLossSteps: 0, phaseStep: 0 });
    const optimizer = makeOptimizer(spec, params);
    if (pi === resumePhase) await restoreTrainingCheckpoint(opts.resumeFrom!, model, optimizer);
    const examples = spec.data.examples;
    const lengths = examples.map((e) => e.ids.length);
    const stepsPerEpoch = Math.ceil(examples.length / spec.batchSize);
    const lrAt = schedule(spec, stepsPerEpoch * spec.epochs);
    opts.onPhaseStart?.({ phase: spec.name, epochs: spec.epochs, stepsPerEpoch, startEpoch: state.epoch });
    let snapshot = takeSnapshot(params, optimizer, state);
    const save = async (at: TrainingState = state): Promise<void> => {
      if (!opts.checkpoint) return;
      await saveTrainingCheckpoint(opts.checkpoint.dir, model, optimizer, at, phaseInfo, opts.checkpoint.extra);
      lastCheckpoint = opts.checkpoint.dir;
    };

    // The WASM heap: the phase's first step may grow it (grads, optimizer state and kernel scratch
    // are made there); then as much again is reserved, and every later step runs frozen, so a step
    // that would grow the memory throws HeapGrowthError naming the step and the op that asked.
    let heapReserved = false;
    for (; state.epoch < spec.epochs; state.epoch++) {
      const batches = epochBatches(lengths, spec, opts.seed, pi, state.epoch);
      for (; state.stepInEpoch < batches.length; state.stepInEpoch++) {
        const t0 = performance.now();
        const batch = makeBatch(
          batches[state.stepInEpoch]!.map((i) => examples[i]!),
          { padId: opts.padId, ignoreIndex: IGNORE_INDEX, lossOn: spec.lossOn },
        );
        const run = () => trainStep(model, batch, { optimizer, lr: lrAt(state.phaseStep), clipNorm: spec.clipNorm });
        const top = heap.topAddress;
        const step = heapReserved ? heap.frozen(`training step ${state.phaseStep + 1} of phase ${spec.name}`, run) : run();
        if (!heapReserved) heap.reserve(heap.topAddress - top, `training phase ${spec.name} (its first step's heap use again)`);
        heapReserved = true;
        if (step.nonFinite) {
          const bad = new NonFiniteError(step.nonFinite.what, step.nonFinite.value, spec.name, state.epoch, state.phaseStep);
          state = restoreSnapshot(snapshot, params, optimizer);
          await save();
          results.push(phaseResult(spec.name, state.phases[spec.name]!));
          return { status: "diverged", phases: results, message: bad.message, ...(lastCheckpoint ? { checkpointDir: lastCheckpoint } : {}) };
        }
        const lossValue = step.loss;
        const norm = step.gradNorm;
        state.phaseStep++;
        state.epochLossSum += lossValue;
        state.epochLossSteps++;
        const stepSeconds = (performance.now() - t0) / 1000;
        prog.seconds += stepSeconds;
        prog.tokens += batch.realTokens;
        prog.steps++;
        opts.onStep?.({
          phase: spec.name, epoch: state.epoch, stepInEpoch: state.stepInEpoch, stepsPerEpoch, phaseStep: state.phaseStep,
          loss: lossValue, lr: optimizer.lr, gradNorm: norm, tokens: batch.realTokens, tokensPerSecond: prog.tokens / Math.max(prog.seconds, 1e-9),
          seconds: stepSeconds,
        });
        if (opts.signal?.aborted) {
          state.stepInEpoch++;
          await save();
          results.push(phaseResult(spec.name, prog));
          const where = lastCheckpoint ? `; checkpoint saved to ${lastCheckpoint}` : "";
          return { status: "interrupted", phases: results, message: `${spec.name}: interrupted at epoch ${state.epoch + 1}, step ${state.stepInEpoch}${where}`, ...(lastCheckpoint ? { checkpointDir: lastCheckpoint } : {}) };
        }
        // Let signal handlers and progress redraws run (a few µs per step).
        if (state.phaseStep % 8 === 0) await yieldToEvents();
      }
      const meanLoss = state.epochLossSum / Math.max(1, state.epochLossSteps);
      prog.epochLosses.push(meanLoss);
      Object.assign(state, { stepInEpoch: 0, epochLossSum: 0, epochLossSteps: 0 });
      const finished = state.epoch + 1;
      const atEpochEnd = { ...state, epoch: finished };
      snapshot = takeSnapshot(params, optimizer, atEpochEnd, snapshot);
      opts.onEpoch?.({ phase: spec.name, epoch: state.epoch, epochs: spec.epochs, meanLoss, seconds: prog.seconds, tokensPerSecond: prog.tokens / Math.max(prog.seconds, 1e-9) });
      if (opts.checkpoint && opts.checkpoint.everyEpochs > 0 && finished % opts.checkpoint.everyEpochs === 0 && finished < spec.epochs) {
        await save(atEpochEnd);
      }
    }
    const result = phaseResult(spec.name, prog);
    results.push(result);
    opts.onPhaseEnd?.(result);
  }
  return { status: "completed", phases: results, ...(lastCheckpoint ? { checkpointDir: lastCheckpoint } : {}) };
}

function checkPhase(p: PhaseSpec): void {
  const fail = (field: string, rule: string, v: unknown): never => {
    throw new Error(`train: phase "${p.name}": ${field} ${rule}, got ${String(v)}`);
  };
  if (!(Number.isInteger(p.epochs) && p.epochs >= 0)) fail("epochs", "must be an integer ≥ 0", p.epochs);
  if (!(Number.isInteger(p.batchSize) && p.batchSize >= 1)) fail("batchSize", "must be an integer ≥ 1", p.batchSize);
  if (!(p.lr > 0 && Number.isFinite(p.lr))) fail("lr", "must be a finite number > 0", p.lr);
  if (!(p.clipNorm >= 0)) fail("clipNorm", "must be ≥ 0", p.clipNorm);
  if (p.data.examples.length === 0) fail("data", "must hold at least one example", 0);
}

function makeOptimizer(spec: PhaseSpec, params: ReturnType<TrainableLM["parameters"]>): Optimizer {
  const o = { lr: spec.lr, beta1: 0.9, beta2: 0.999, eps: 1e-8 };
  return spec.optimizer === "adamw" ? new AdamW(params, { ...o, weightDecay: spec.weightDecay ?? 0.01 }) : new Adam(params, o);
}

function schedule(spec: PhaseSpec, totalSteps: number): LrSchedule {
  if (spec.schedule === "constant") return constantLr(spec.lr);
  const warmupSteps = Math.min(Math.max(1, Math.round(totalSteps * 0.05)), totalSteps);
  return warmupCosine({ peakLr: spec.lr, warmupSteps, totalSteps: Math.max(totalSteps, warmupSteps), minLr: spec.lr / 10 });
}

/** The example order of one epoch: file order, or a Fisher–Yates shuffle seeded by (seed, phase, epoch). */
export function epochOrder(n: number, order: PhaseSpec["order"], seed: number, phaseIndex: number, epoch: number): number[] {
  const idx = Array.from({ length: n }, (_, i) => i);
  if (order === "file") return idx;
  const rng = createRng(seed * 1_000_003 + phaseIndex * 100_003 + epoch);
  shuffleInPlace(idx, rng);
  return idx;
}

/**
 * The batches of one epoch (example indices). "grouped": the shuffled examples are cut into
 * windows of 8 batches, each window sorted by length and cut into batches, and the batches
 * shuffled, so each batch holds similar lengths while every epoch still differs.
 */
export function epochBatches(lengths: readonly number[], spec: Pick<PhaseSpec, "order" | "batchSize">, seed: number, phaseIndex: number, epoch: number): number[][] {
  const order = epochOrder(lengths.length, spec.order, seed, phaseIndex, epoch);
  if (spec.order !== "grouped") return chunkIndices(order, spec.batchSize);
  const window = spec.batchSize * 8;
  const batches: number[][] = [];
  for (let i = 0; i < order.length; i += window) {
    const sorted = order.slice(i, i + window).sort((a, b) => lengths[a]! - lengths[b]! || a - b);
    batches.push(...chunkIndices(sorted, spec.batchSize));
  }
  shuffleInPlace(batches, createRng(seed * 1_000_003 + phaseIndex * 100_003 + epoch + 0x5bd1e995));
  return batches;
}

function shuffleInPlace<T>(a: T[], rng: ReturnType<typeof createRng>): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
}

interface Snapshot {
  values: Float32Array[];
  optimizer: OptimizerState;
  state: TrainingState;
}

/**
 * Copies of the weights, optimizer state and training state. With `reuse` (this phase's previous
 * snapshot), its buffers are overwritten rather than new ones allocated: the copies are the size of
 * the model three times over, and allocating them every epoch made a major GC per epoch.
 */
function takeSnapshot(params: ReturnType<TrainableLM["parameters"]>, optimizer: Optimizer, state: TrainingState, reuse?: Snapshot): Snapshot {
  const values = params.map((p, i) => {
    const old = reuse?.values[i];
    if (old === undefined || old.length !== p.value.data.length) return new Float32Array(p.value.data);
    old.set(p.value.data);
    return old;
  });
  return { values, optimizer: optimizer.stateDict(reuse?.optimizer), state: structuredClone(state) };
}

function restoreSnapshot(s: Snapshot, params: ReturnType<TrainableLM["parameters"]>, optimizer: Optimizer): TrainingState {
  params.forEach((p, i) => p.value.data.set(s.values[i]!));
  optimizer.loadStateDict(s.optimizer);
  return structuredClone(s.state);
}

function phaseResult(name: string, p: TrainingState["phases"][string]): PhaseResult {
  return { name, epochLosses: [...p.epochLosses], seconds: p.seconds, tokens: p.tokens, steps: p.steps, tokensPerSecond: p.tokens / Math.max(p.seconds, 1e-9) };
}
