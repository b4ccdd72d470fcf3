/**
 * Progress display of one training phase: a cli-progress bar (epoch, loss, tokens/s, time left)
 * on a terminal; a compact line every few epochs when the output is a pipe or a file, so logs
 * stay readable.
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
}

export class PhaseProgress {
  private readonly bar: cliProgress.SingleBar | null;
  private readonly stream: NodeJS.WriteStream;
  private readonly totalSteps: number;
  private readonly started = performance.now();
  /** Print a line every `every` epochs in line mode (~10 lines per phase). */
  private readonly every: number;

  constructor(private readonly opts: PhaseProgressOptions) {
    this.stream = opts.stream ?? process.stdout;
    this.totalSteps = Math.max(1, opts.epochs * opts.stepsPerEpoch);
    this.every = Math.max(1, Math.round(opts.epochs / 10));
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

  /** After each optimizer step (only the bar uses it). */
  step(globalStepInPhase: number, epoch: number, loss: number, tokensPerSecond: number): void {
    this.bar?.update(globalStepInPhase, { epoch: epoch + 1, loss: loss.toFixed(4), tps: fmtInt(tokensPerSecond) });
  }

  /** After each epoch: the mean loss of the epoch. */
  epoch(epoch: number, meanLoss: number, tokensPerSecond: number): void {
    const done = epoch + 1;
    if (this.bar) {
      this.bar.update(done * this.opts.stepsPerEpoch, { epoch: done, loss: meanLoss.toFixed(4), tps: fmtInt(tokensPerSecond) });
      return;
    }
    if (done % this.every === 0 || done === this.opts.epochs || done === 1) {
      const elapsed = (performance.now() - this.started) / 1000;
      const left = (elapsed / done) * (this.opts.epochs - done);
      this.stream.write(
        `${this.opts.phase} epoch ${String(done).padStart(String(this.opts.epochs).length)}/${this.opts.epochs}  ` +
          `loss ${meanLoss.toFixed(4)}  ${fmtInt(tokensPerSecond)} tok/s  ${elapsed.toFixed(1)}s elapsed, ~${left.toFixed(0)}s left\n`,
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
