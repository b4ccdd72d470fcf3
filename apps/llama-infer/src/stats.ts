/** The `--stats` report (stderr): formatting only; the numbers come from the library's GenerationResult. */
import type { GenerationResult } from "@mini/llm";

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
    ...Object.entries(extra).map(([k, v]): [string, string] => [k, String(v)]),
  ];
  return fields.map(([k, v]) => `[stats] ${k}: ${v}`).join("\n");
}
