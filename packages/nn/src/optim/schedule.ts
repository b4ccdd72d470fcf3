import { ConfigError } from "../errors.js";

/**
 * Learning-rate schedules: pure functions of the step, so a resumed run computes the same rate
 * as an uninterrupted one from the step number alone (no state to save).
 *
 * `step` is the 0-based index of the update about to be made:
 *
 *   const lrAt = warmupCosine({ peakLr: 3e-4, warmupSteps: 100, totalSteps: 5000 });
 *   for (let step = 0; step < 5000; step++) { opt.lr = lrAt(step); …; opt.step(); }
 */
export type LrSchedule = (step: number) => number;

function check(who: string, cond: boolean, msg: string): void {
  if (!cond) throw new ConfigError(`${who}: ${msg}`);
}

/** The same rate at every step. */
export function constantLr(lr: number): LrSchedule {
  check("constantLr", Number.isFinite(lr) && lr >= 0, `lr must be a finite number ≥ 0, got ${lr}`);
  return () => lr;
}

export interface WarmupDecayOptions {
  /** Rate at the end of warm-up. */
  peakLr: number;
  /** Steps of linear warm-up: step s < warmupSteps gets peakLr·(s + 1)/warmupSteps (never 0). */
  warmupSteps: number;
  /** Step at which the decay reaches minLr; later steps stay at minLr. */
  totalSteps: number;
  /** Final rate (default 0). */
  minLr?: number;
}

function validate(who: string, o: WarmupDecayOptions): Required<WarmupDecayOptions> {
  const minLr = o.minLr ?? 0;
  check(who, Number.isFinite(o.peakLr) && o.peakLr >= 0, `peakLr must be a finite number ≥ 0, got ${o.peakLr}`);
  check(who, Number.isInteger(o.warmupSteps) && o.warmupSteps >= 0, `warmupSteps must be an integer ≥ 0, got ${o.warmupSteps}`);
  check(
    who,
    Number.isInteger(o.totalSteps) && o.totalSteps >= o.warmupSteps,
    `totalSteps must be an integer ≥ warmupSteps (${o.warmupSteps}), got ${o.totalSteps}`,
  );
  check(who, Number.isFinite(minLr) && minLr >= 0 && minLr <= o.peakLr, `minLr must be in [0, peakLr=${o.peakLr}], got ${minLr}`);
  return { peakLr: o.peakLr, warmupSteps: o.warmupSteps, totalSteps: o.totalSteps, minLr };
}

/** Fraction of the decay done at `step` (0 at the end of warm-up, 1 at totalSteps and after). */
function decayProgress(step: number, warmupSteps: number, totalSteps: number): number {
  const span = totalSteps - warmupSteps;
  if (span <= 0) return 1;
  return Math.min(1, Math.max(0, (step - warmupSteps) / span));
}

function checkStep(who: string, step: number): void {
  if (!(Number.isInteger(step) && step >= 0)) throw new ConfigError(`${who}: step must be an integer ≥ 0, got ${step}`);
}

/** Linear warm-up to peakLr, then half a cosine down to minLr at totalSteps (nanoGPT, HF `cosine`). */
export function warmupCosine(opts: WarmupDecayOptions): LrSchedule {
  const { peakLr, warmupSteps, totalSteps, minLr } = validate("warmupCosine", opts);
  return (step) => {
    checkStep("warmupCosine", step);
    if (step < warmupSteps) return (peakLr * (step + 1)) / warmupSteps;
    const p = decayProgress(step, warmupSteps, totalSteps);
    return minLr + (peakLr - minLr) * 0.5 * (1 + Math.cos(Math.PI * p));
  };
}

/** Linear warm-up to peakLr, then a straight line down to minLr at totalSteps (HF `linear`). */
export function warmupLinear(opts: WarmupDecayOptions): LrSchedule {
  const { peakLr, warmupSteps, totalSteps, minLr } = validate("warmupLinear", opts);
  return (step) => {
    checkStep("warmupLinear", step);
    if (step < warmupSteps) return (peakLr * (step + 1)) / warmupSteps;
    const p = decayProgress(step, warmupSteps, totalSteps);
    return peakLr + (minLr - peakLr) * p;
  };
}
