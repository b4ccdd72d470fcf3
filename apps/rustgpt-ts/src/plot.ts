/**
 * The loss curve as a small hand-written SVG: one panel per phase, mean loss per epoch on a log
 * scale (losses fall from ~6 to ~0.01, a linear axis would flatten everything after epoch 5).
 */

export interface LossSeries {
  /** "pre-training", "instruction tuning". */
  readonly name: string;
  /** Mean training loss of each epoch, in order. */
  readonly losses: readonly number[];
}

const PANEL_W = 360;
const PANEL_H = 240;
const MARGIN = { left: 52, right: 16, top: 34, bottom: 40 };
const COLORS = ["#1f77b4", "#d62728", "#2ca02c"];

export function lossCurveSvg(series: readonly LossSeries[], title = "training loss per epoch"): string {
  const shown = series.filter((s) => s.losses.length > 0);
  const width = Math.max(1, shown.length) * PANEL_W;
  const height = PANEL_H + 24;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${width / 2}" y="16" text-anchor="middle" font-size="13">${escapeXml(title)}</text>`,
  ];
  if (shown.length === 0) parts.push(`<text x="${width / 2}" y="${height / 2}" text-anchor="middle">no epochs trained</text>`);
  shown.forEach((s, i) => parts.push(panel(s, i * PANEL_W, 20, COLORS[i % COLORS.length]!)));
  parts.push("</svg>");
  return parts.join("\n") + "\n";
}

function panel(s: LossSeries, x0: number, y0: number, color: string): string {
  const finite = s.losses.filter((l) => Number.isFinite(l) && l > 0);
  const lo = Math.pow(10, Math.floor(Math.log10(Math.min(...finite, 1))));
  const hi = Math.pow(10, Math.ceil(Math.log10(Math.max(...finite, lo * 10))));
  const plotW = PANEL_W - MARGIN.left - MARGIN.right;
  const plotH = PANEL_H - MARGIN.top - MARGIN.bottom;
  const n = s.losses.length;
  const sx = (epoch: number): number => x0 + MARGIN.left + (n <= 1 ? plotW / 2 : ((epoch - 1) / (n - 1)) * plotW);
  const sy = (loss: number): number => y0 + MARGIN.top + (1 - (Math.log10(loss) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * plotH;
  const out: string[] = [];
  const left = x0 + MARGIN.left;
  const bottom = y0 + MARGIN.top + plotH;
  out.push(`<text x="${x0 + PANEL_W / 2}" y="${y0 + 18}" text-anchor="middle" font-size="12">${escapeXml(s.name)}</text>`);
  // Horizontal grid at each power of ten, labelled.
  for (let p = lo; p <= hi * 1.0001; p *= 10) {
    const y = sy(p).toFixed(1);
    out.push(`<line x1="${left}" y1="${y}" x2="${left + plotW}" y2="${y}" stroke="#ddd"/>`);
    out.push(`<text x="${left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${fmtTick(p)}</text>`);
  }
  // Epoch ticks: first, middle, last.
  for (const e of [...new Set([1, Math.round((n + 1) / 2), n])].filter((e) => e >= 1)) {
    out.push(`<text x="${sx(e).toFixed(1)}" y="${bottom + 14}" text-anchor="middle">${e}</text>`);
  }
  out.push(`<text x="${left + plotW / 2}" y="${bottom + 30}" text-anchor="middle">epoch</text>`);
  out.push(`<rect x="${left}" y="${y0 + MARGIN.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#888"/>`);
  const pts = s.losses
    .map((l, i) => (Number.isFinite(l) && l > 0 ? `${sx(i + 1).toFixed(1)},${sy(l).toFixed(1)}` : null))
    .filter((p): p is string => p !== null);
  if (pts.length > 0) out.push(`<polyline fill="none" stroke="${color}" stroke-width="1.5" points="${pts.join(" ")}"/>`);
  const last = s.losses[n - 1];
  if (last !== undefined) {
    out.push(`<text x="${left + plotW - 4}" y="${y0 + MARGIN.top + 12}" text-anchor="end" fill="${color}">final ${last.toPrecision(3)}</text>`);
  }
  return out.join("\n");
}

function fmtTick(v: number): string {
  return v >= 1 ? String(Math.round(v)) : v.toPrecision(1);
}

function escapeXml(s: string): string {
  return s.replace(/[<>&"]/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;" })[c]!);
}
