/**
 * The live loss chart: one polyline per phase on a canvas, x = step over the whole run, y = loss
 * on a log scale (the loss falls by orders of magnitude). Redrawn at most once per frame.
 */
const COLORS = ["#2563eb", "#dc2626", "#059669"];

export class LossChart {
  private readonly ctx: CanvasRenderingContext2D;
  private readonly series: { phase: string; points: [number, number][] }[] = [];
  private totalSteps = 1;
  private pending = false;

  constructor(readonly canvas: HTMLCanvasElement) {
    const ctx = canvas.getContext("2d");
    if (ctx === null) throw new Error("loss chart: no 2D canvas context");
    this.ctx = ctx;
  }

  reset(totalSteps: number): void {
    this.series.length = 0;
    this.totalSteps = Math.max(1, totalSteps);
    this.schedule();
  }

  add(phase: string, step: number, loss: number): void {
    let s = this.series[this.series.length - 1];
    if (s === undefined || s.phase !== phase) this.series.push((s = { phase, points: [] }));
    s.points.push([step, loss]);
    this.schedule();
  }

  private schedule(): void {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.draw();
    });
  }

  private draw(): void {
    const { ctx, canvas } = this;
    const w = canvas.width;
    const h = canvas.height;
    const pad = 36;
    ctx.clearRect(0, 0, w, h);
    const losses = this.series.flatMap((s) => s.points.map((p) => p[1])).filter((l) => l > 0 && Number.isFinite(l));
    ctx.fillStyle = "#444";
    ctx.font = "12px system-ui, sans-serif";
    if (losses.length === 0) {
      ctx.fillText("loss (log scale) appears here while training", pad, h / 2);
      return;
    }
    const lo = Math.log10(Math.min(...losses));
    const hi = Math.log10(Math.max(...losses));
    const span = Math.max(hi - lo, 1e-3);
    const x = (step: number): number => pad + ((w - 2 * pad) * step) / this.totalSteps;
    const y = (loss: number): number => h - pad - ((h - 2 * pad) * (Math.log10(loss) - lo)) / span;
    ctx.strokeStyle = "#ccc";
    ctx.strokeRect(pad, pad, w - 2 * pad, h - 2 * pad);
    ctx.fillText(Math.pow(10, hi).toPrecision(3), 2, pad + 4);
    ctx.fillText(Math.pow(10, lo).toPrecision(3), 2, h - pad);
    this.series.forEach((s, i) => {
      ctx.strokeStyle = COLORS[i % COLORS.length]!;
      ctx.beginPath();
      s.points.forEach(([step, loss], j) => (j === 0 ? ctx.moveTo(x(step), y(loss)) : ctx.lineTo(x(step), y(loss))));
      ctx.stroke();
      ctx.fillStyle = COLORS[i % COLORS.length]!;
      ctx.fillText(s.phase, pad + 8 + i * 130, h - 8);
    });
  }
}
