/**
 * Progress display of one training phase: a cli-progress bar (epoch, loss, tokens/s, time left)
 * on a terminal; a compact line every few epochs when the output is a pipe or a file, so logs
 * stay readable, and a mid-epoch line whenever 10 s passed without one (slow epochs still show life).
 */
import cliProgress from "cli-progress";

export interface PhaseProgressOptions {
  /** "pre-training" or "instruction tuning". */
  phase: string;
  epochs: number;
  stepsPerEpoch: number;
  /** Where to write (default process.stdout). */
  stream?: NodeJS.WriteStream;
  /** Force a mode (default: bar when the stream is a TTY). */
  tty?: boolean;
  /** Line mode: the longest silence, in ms, before a mid-epoch progress line (default 10 000). */
  maxSilenceMs?: number;
}

export class PhaseProgress {
  private readonly bar: cliProgress.SingleBar | null;
  private readonly stream: NodeJS.WriteStream;
  private readonly totalSteps: number;
  private readonly started = performance.now();
  /** Print a line every `every` epochs in line mode (~10 lines per phase). */
  private readonly every: number;
  private readonly maxSilenceMs: number;
  private lastLine = performance.now();

  constructor(private readonly opts: PhaseProgressOptions) {
    this.stream = opts.stream ?? process.stdout;
    this.totalSteps = Math.max(1, opts.epochs * opts.stepsPerEpoch);
    this.every = Math.max(1, Math.round(opts.epochs / 10));
    this.maxSilenceMs = opts.maxSilenceMs ?? 10_000;
    const tty = opts.tty ?? this.stream.isTTY === true;
    if (tty) {
      this.bar = new cliProgress.SingleBar(
        {
          format: `${opts.phase.padEnd(18)} [{bar}] epoch {epoch}/${opts.epochs} | loss {loss} | {tps} tok/s | {duration_formatted} elapsed, {eta_formatted} left`,
          stream: this.stream,
          barsize: 24,
          hideCursor: true,
          etaBuffer: 50,
          fps: 8,
        },
        cliProgress.Presets.shades_classic,
      );
      this.bar.start(this.totalSteps, 0, { epoch: 0, loss: "-", tps: "-" });
    } else {
      this.bar = null;
    }
  }

  /** After each optimizer step: moves the bar; in line mode, prints a line when nothing was printed for maxSilenceMs. */
  step(globalStepInPhase: number, epoch: number, loss: number, tokensPerSecond: number): void {
    if (this.bar) {
      this.bar.update(globalStepInPhase, { epoch: epoch + 1, loss: loss.toFixed(4), tps: fmtInt(tokensPerSecond) });
      return;
    }
    if (performance.now() - this.lastLine >= this.maxSilenceMs) {
      const stepInEpoch = globalStepInPhase - epoch * this.opts.stepsPerEpoch;
      this.line(
        `${this.opts.phase} epoch ${epoch + 1}/${this.opts.epochs} step ${stepInEpoch}/${this.opts.stepsPerEpoch}  ` +
          `loss ${loss.toFixed(4)}  ${fmtInt(tokensPerSecond)} tok/s  ${this.elapsed().toFixed(1)}s elapsed`,
      );
    }
  }

  private elapsed(): number {
    return (performance.now() - this.started) / 1000;
  }

  private line(text: string): void {
    this.stream.write(`${text}\n`);
    this.lastLine = performance.now();
  }

  /** After each epoch: the mean loss of the epoch. */
  epoch(epoch: number, meanLoss: number, tokensPerSecond: number): void {
    const done = epoch + 1;
    if (this.bar) {
      this.bar.update(done * this.opts.stepsPerEpoch, { epoch: done, loss: meanLoss.toFixed(4), tps: fmtInt(tokensPerSecond) });
      return;
    }
    if (done % this.every === 0 || done === this.opts.epochs || done === 1) {
      const elapsed = this.elapsed();
      const left = (elapsed / done) * (this.opts.epochs - done);
      this.line(
        `${this.opts.phase} epoch ${String(done).padStart(String(this.opts.epochs).length)}/${this.opts.epochs}  ` +
          `loss ${meanLoss.toFixed(4)}  ${fmtInt(tokensPerSecond)} tok/s  ${elapsed.toFixed(1)}s elapsed, ~${left.toFixed(0)}s left`,
      );
    }
  }

  stop(): void {
    this.bar?.stop();
  }
}

function fmtInt(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}
