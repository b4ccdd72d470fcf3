/** The `--stats` report (stderr): formatting only; the numbers come from the library's GenerationResult. */
import type { GenerationResult } from "@mini/llm";
import { getThreads, relaxedDot, relaxedSimd, wasmEnabled } from "@mini/tensor";

function rate(tokens: number, ms: number): string {
  return ms > 0 ? `${((tokens * 1000) / ms).toFixed(1)} tok/s` : "n/a";
}

export function formatStats(r: GenerationResult, extra: Record<string, string | number> = {}): string {
  const fields: [string, string][] = [
    ["prompt tokens", r.prefillTokens === r.promptTokens ? `${r.promptTokens}` : `${r.promptTokens} (${r.prefillTokens} fed, ${r.promptTokens - r.prefillTokens} cached)`],
    ["prefill", `${r.prefillMs.toFixed(1)} ms, ${rate(r.prefillTokens, r.prefillMs)}`],
    ["time to first token", `${r.firstTokenMs.toFixed(1)} ms`],
    ["new tokens", `${r.ids.length}`],
    ["decode", `${r.decodeMs.toFixed(1)} ms, ${rate(r.decodeSteps, r.decodeMs)}`],
    ["finish", r.finishReason],
    ["kernels", kernelsInUse()],
    ["peak memory", `${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB resident (the whole process, loading included)`],
    ...Object.entries(extra).map(([k, v]): [string, string] => [k, String(v)]),
  ];
  return fields.map(([k, v]) => `[stats] ${k}: ${v}`).join("\n");
}

/** Which kernels ran: WASM SIMD128 or relaxed SIMD (FMA; int8 dot for q8_0/q4_0), or plain JS, and on how many threads. */
export function kernelsInUse(): string {
  if (!wasmEnabled()) return `JavaScript reference loops, 1 thread`;
  const variant = relaxedSimd ? `WASM relaxed SIMD (${relaxedDot() ? "FMA, int8 dot" : "FMA"})` : "WASM SIMD128";
  return `${variant}, ${getThreads()} thread${getThreads() === 1 ? "" : "s"}`;
}
