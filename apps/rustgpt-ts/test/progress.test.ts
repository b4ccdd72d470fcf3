/**
 * The per-phase progress display: a cli-progress bar (epoch, loss, tokens/s, elapsed, time left)
 * on a terminal; on a pipe a plain line for the first, every tenth and the last epoch, and a
 * mid-epoch line whenever the output has been silent for maxSilenceMs.
 */
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { PhaseProgress } from "../src/progress.js";

function capture(): { stream: NodeJS.WriteStream; text: () => string } {
  const s = new PassThrough();
  let out = "";
  s.on("data", (d: Buffer) => (out += d.toString()));
  return { stream: Object.assign(s, { columns: 160, isTTY: true }) as unknown as NodeJS.WriteStream, text: () => out };
}

/** Two epochs of three steps each, as the trainer reports them. */
function drive(p: PhaseProgress): void {
  for (let epoch = 0; epoch < 2; epoch++) {
    for (let step = 0; step < 3; step++) p.step(epoch * 3 + step + 1, epoch, 2 - epoch - step / 10, 1234.4 + epoch);
    p.epoch(epoch, 1.5 - epoch, 1500 + epoch);
  }
  p.stop();
}

describe("PhaseProgress", () => {
  it("draws a bar with epoch, loss, tokens/s and time left on a terminal", () => {
    const { stream, text } = capture();
    drive(new PhaseProgress({ phase: "pre-training", epochs: 2, stepsPerEpoch: 3, stream, tty: true }));
    // Redraws: cursor moves and line clears (ANSI escapes) between the frames.
    const frames = text()
      .split(/\u001b(?:\[[0-9;?]*[A-Za-z]|[78])|\r|\n/)
      .filter((f) => f.includes("epoch"));
    expect(frames.at(-1)).toMatch(/^pre-training\s+\[█{24}\] epoch 2\/2 \| loss 0\.5000 \| 1,501 tok\/s \| \d+s elapsed, \d+s left$/);
    expect(frames[0]).toMatch(/epoch 0\/2 \| loss - \| - tok\/s/);
  });

  it("prints plain lines when the output is not a terminal", () => {
    const { stream, text } = capture();
    drive(new PhaseProgress({ phase: "instruction-tuning", epochs: 2, stepsPerEpoch: 3, stream, tty: false }));
    const lines = text().trimEnd().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^instruction-tuning epoch 1\/2 {2}loss 1\.5000 {2}1,500 tok\/s {2}\d+\.\ds elapsed, ~\d+s left$/);
    expect(lines[1]).toMatch(/^instruction-tuning epoch 2\/2 {2}loss 0\.5000 {2}1,501 tok\/s/);
  });

  it("on a pipe, prints a step line when nothing was printed for maxSilenceMs (slow epochs still show life)", () => {
    const { stream, text } = capture();
    drive(new PhaseProgress({ phase: "pre-training", epochs: 2, stepsPerEpoch: 3, stream, tty: false, maxSilenceMs: 0 }));
    const lines = text().trimEnd().split("\n");
    expect(lines[0]).toMatch(/^pre-training epoch 1\/2 step 1\/3 {2}loss 2\.0000 {2}1,234 tok\/s {2}\d+\.\ds elapsed$/);
    expect(lines.filter((l) => / step \d\/3 /.test(l))).toHaveLength(6);
    expect(lines).toHaveLength(8); // 6 step lines + the 2 epoch lines
  });

  it("on a pipe, stays quiet between epoch lines while output is recent", () => {
    const { stream, text } = capture();
    drive(new PhaseProgress({ phase: "pre-training", epochs: 2, stepsPerEpoch: 3, stream, tty: false, maxSilenceMs: 60_000 }));
    expect(text().trimEnd().split("\n")).toHaveLength(2);
  });
});
