/**
 * Benchmark of `llama-infer serve` over HTTP on localhost, on a synthesized 32M Mistral-shaped
 * model (the config of shared/models/chat-tokenizer, seeded random weights under os.tmpdir()):
 *
 *   TTFT turn 2    time to the first streamed token of the second turn of a ~400-token
 *                  conversation: with the first turn found in the KV-cache pool, and after
 *                  emptying the pool (the whole conversation prefilled again); median of --reps
 *   tokens/s       total generated tokens per second of wall time with 1, 4 and 8 concurrent
 *                  streaming clients (each its own conversation, --max-tokens each, greedy)
 *
 *   npx tsx --conditions=@mini/source bench/serve.ts [--reps 5] [--max-tokens 64]
 *
 * Prints markdown tables. Timings are client-side (fetch on the same machine), so they include
 * the HTTP and JSON work a real client sees.
 */
import { existsSync, readFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ChatTemplate, generateAll, loadTokenizer, type ChatMessage } from "@mini/llm";
import { loadModelDir } from "@mini/llm/models";
import { encodeChat, ServingEngine } from "@mini/llm/serving";
import { synthesizeModelDir } from "@mini/llm/testing";
import { startServer } from "../src/server/index.js";
import { fileURLToPath } from "node:url";
// ../shared beside the checkout (override with MINI_SHARED).
const SHARED = process.env["MINI_SHARED"] ?? fileURLToPath(new URL("../../../../shared", import.meta.url));

const CHAT_DIR = `${SHARED}/models/chat-tokenizer`;
const { values } = parseArgs({ options: { reps: { type: "string", default: "5" }, "max-tokens": { type: "string", default: "64" } } });
const REPS = Number(values.reps);
const MAX_TOKENS = Number(values["max-tokens"]);

function modelDir(): string {
  const dir = join(tmpdir(), "mini-llama-infer-serve-bench-chat32m-seed0");
  if (!existsSync(join(dir, "model.safetensors"))) {
    const config = JSON.parse(readFileSync(join(CHAT_DIR, "config.json"), "utf8")) as Record<string, unknown>;
    synthesizeModelDir({ config, tokenizerDir: CHAT_DIR, outDir: dir, seed: 0 });
  }
  return dir;
}

interface StreamStats {
  ttftMs: number;
  totalMs: number;
  completionTokens: number;
  promptTokens: number;
  cachedTokens: number;
  text: string;
}

/** One streamed chat completion, timed from the request to the first content chunk and to [DONE]. */
async function streamChat(url: string, messages: ChatMessage[], maxTokens: number): Promise<StreamStats> {
  const t0 = performance.now();
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ model: "bench", messages, temperature: 0, max_tokens: maxTokens, stream: true, stream_options: { include_usage: true } }),
  });
  if (!res.ok) throw new Error(`HTTP ${res.status}: ${await res.text()}`);
  const reader = res.body!.getReader();
  const utf8 = new TextDecoder();
  let buffer = "";
  let ttft = NaN;
  let text = "";
  let usage = { completion_tokens: 0, prompt_tokens: 0, prompt_tokens_cached: 0 };
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += utf8.decode(value, { stream: true });
    let end: number;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const data = buffer.slice(0, end).replace(/^data: /, "");
      buffer = buffer.slice(end + 2);
      if (data === "[DONE]") continue;
      const chunk = JSON.parse(data) as { choices: { delta: { content?: string } }[]; usage?: typeof usage };
      const piece = chunk.choices[0]?.delta.content ?? "";
      if (piece !== "" && Number.isNaN(ttft)) ttft = performance.now() - t0;
      text += piece;
      if (chunk.usage) usage = chunk.usage;
    }
  }
  return {
    ttftMs: ttft,
    totalMs: performance.now() - t0,
    completionTokens: usage.completion_tokens,
    promptTokens: usage.prompt_tokens,
    cachedTokens: usage.prompt_tokens_cached,
    text,
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const PARAGRAPH =
  "The river town kept its old customs: every spring the families repaired the boats together, " +
  "the baker lit the big oven before dawn, and the children carried bread to the mill. ";

const dir = modelDir();
const loaded = await loadModelDir(dir);
const tokenizer = await loadTokenizer(dir);
const engine = new ServingEngine({ model: loaded.model, tokenizer, eosIds: loaded.eosTokenIds, maxSessions: 8, maxQueue: 16 });
const server = await startServer({ engine, modelId: "bench", port: 0 });
const template = ChatTemplate.forTokenizer(tokenizer);

// A conversation whose second turn is about 400 tokens.
const turn1: ChatMessage[] = [
  { role: "system", content: "You are a patient storyteller who answers in detail." },
  { role: "user", content: `${PARAGRAPH.repeat(8)}Tell me what happens in this town next spring.` },
];
const followUp = { role: "user", content: "And what do the children do after they reach the mill?" };

await streamChat(server.url, [{ role: "user", content: "warm up" }], 8); // JIT warm-up
const reuse: StreamStats[] = [];
const full: StreamStats[] = [];
for (let i = 0; i < REPS; i++) {
  engine.pool.clear();
  const first = await streamChat(server.url, turn1, 32);
  const turn2 = [...turn1, { role: "assistant", content: first.text }, followUp];
  reuse.push(await streamChat(server.url, turn2, 8));
  engine.pool.clear();
  full.push(await streamChat(server.url, turn2, 8));
}

// Baseline: the library's own decode speed, one generation, no server (same process, same moment).
const t0 = performance.now();
const base = generateAll(loaded.model, encodeChat(template, tokenizer, [{ role: "user", content: "baseline" }], true), { maxNewTokens: MAX_TOKENS });
const baselineTokS = base.ids.length / ((performance.now() - t0) / 1000);

const rows: string[] = [];
for (const clients of [1, 4, 8]) {
  engine.pool.clear();
  const t0 = performance.now();
  const runs = await Promise.all(
    Array.from({ length: clients }, (_, k) => streamChat(server.url, [{ role: "user", content: `Client ${k}: tell me a story about boat number ${k}.` }], MAX_TOKENS)),
  );
  const wallS = (performance.now() - t0) / 1000;
  const tokens = runs.reduce((s, r) => s + r.completionTokens, 0);
  rows.push(
    `| ${clients} | ${tokens} | ${wallS.toFixed(2)} | **${(tokens / wallS).toFixed(1)}** | ${(tokens / clients / wallS).toFixed(1)} | ${median(runs.map((r) => r.ttftMs)).toFixed(0)} |`,
  );
}
await server.close();

const r = median(reuse.map((s) => s.ttftMs));
const f = median(full.map((s) => s.ttftMs));
console.log(`## llama-infer serve, 32M Mistral-shaped model (synthesized), ${loaded.config.numLayers} layers, hidden ${loaded.config.hiddenSize}\n`);
console.log(`Machine load average while running: ${loadavg().map((x) => x.toFixed(1)).join(", ")} (${cpus().length} cores)\n`);
console.log(`Time to first token of turn 2 (${reuse[0]!.promptTokens}-token prompt), median of ${REPS}:\n`);
console.log("| turn 2 | prompt tokens | cached | TTFT (ms) |");
console.log("| --- | --- | --- | --- |");
console.log(`| KV cache reused | ${reuse[0]!.promptTokens} | ${reuse[0]!.cachedTokens} | **${r.toFixed(0)}** |`);
console.log(`| full re-prefill | ${full[0]!.promptTokens} | ${full[0]!.cachedTokens} | **${f.toFixed(0)}** |`);
console.log(`\nspeed-up: ${(f / r).toFixed(1)}×\n`);
console.log(`Concurrent streaming clients, ${MAX_TOKENS} tokens each (greedy):\n`);
console.log("| clients | tokens | wall (s) | total tok/s | tok/s per client | median TTFT (ms) |");
console.log("| --- | --- | --- | --- | --- | --- |");
for (const row of rows) console.log(row);
console.log(`| (library generate, no server) | ${base.ids.length} | | ${baselineTokS.toFixed(1)} | | |`);
