/**
 * `/metrics` in the Prometheus text exposition format (version 0.0.4), written by hand: counters
 * and histograms kept here, gauges read from the engine at scrape time. A client library would
 * add a dependency for ~80 lines of formatting.
 *
 *   # HELP llama_infer_requests_total Requests answered, by route and HTTP status.
 *   # TYPE llama_infer_requests_total counter
 *   llama_infer_requests_total{route="/v1/chat/completions",status="200"} 12
 */

type Labels = Record<string, string>;

/** A monotonically increasing count per label set. */
export class Counter {
  private readonly values = new Map<string, number>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}

  inc(labels: Labels = {}, by = 1): void {
    const key = labelText(labels);
    this.values.set(key, (this.values.get(key) ?? 0) + by);
  }

  expose(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    if (this.values.size === 0) lines.push(`${this.name} 0`);
    for (const [labels, v] of this.values) lines.push(`${this.name}${labels} ${v}`);
    return lines.join("\n");
  }
}

/** Observations counted into cumulative buckets (upper bounds `le`, in the unit of the name). */
export class Histogram {
  private readonly counts: number[];
  private sum = 0;
  private count = 0;
  constructor(
    readonly name: string,
    readonly help: string,
    readonly bounds: readonly number[],
  ) {
    this.counts = new Array<number>(bounds.length).fill(0);
  }

  observe(v: number): void {
    if (!Number.isFinite(v)) return;
    for (let i = 0; i < this.bounds.length; i++) if (v <= this.bounds[i]!) this.counts[i]!++;
    this.sum += v;
    this.count++;
  }

  expose(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    this.bounds.forEach((b, i) => lines.push(`${this.name}_bucket{le="${b}"} ${this.counts[i]}`));
    lines.push(`${this.name}_bucket{le="+Inf"} ${this.count}`, `${this.name}_sum ${this.sum}`, `${this.name}_count ${this.count}`);
    return lines.join("\n");
  }
}

/** A value read when scraped. */
export function gauge(name: string, help: string, value: number): string {
  return `# HELP ${name} ${help}\n# TYPE ${name} gauge\n${name} ${Number.isFinite(value) ? value : 0}`;
}

/** A counter whose total is kept elsewhere (the engine's counts), read when scraped. */
export function counterValue(name: string, help: string, value: number): string {
  return `# HELP ${name} ${help}\n# TYPE ${name} counter\n${name} ${value}`;
}

export const CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

function labelText(labels: Labels): string {
  const entries = Object.entries(labels);
  if (entries.length === 0) return "";
  return `{${entries.map(([k, v]) => `${k}="${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`).join(",")}}`;
}
