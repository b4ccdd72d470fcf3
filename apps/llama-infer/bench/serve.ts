/**
 * Benchmark of `llama-infer serve` at scale, over HTTP on localhost, on the synthesized 32M
 * Mistral-shaped model (bench/infer.ts's `chat32m`). The server is a child process
 * (`llama-infer serve`); the clients run here, timing what a client sees.
 *
 *   1. `generate` alone: decode tok/s of one greedy generation in this process (the baseline);
 *   2. 1, 4, 8, 16 concurrent streaming clients, --max-tokens each (greedy, ignore nothing):
 *      total tok/s, per-client tok/s, p50/p99 time to first token, p50/p99 inter-token latency;
 *   3. 8 conversations sharing one ~300-token system prompt, one after another: TTFT of the
 *      first vs the rest (found in the prefix cache);
 *   4. --conversations distinct short conversations in sequence: the server's RSS after the
 *      first and after the last (bounded by --kv-cache-mb);
 * then the targets as ratios within this run.
 *
 *   npx tsx --conditions=@mini/source bench/serve.ts [--clients 1,4,8,16] [--max-tokens 64]
 *       [--conversations 1000] [--kv-cache-mb 256] [--model DIR]
 *
 * Timings on a shared machine are distorted by the other jobs: read the ratios, and re-run on an
 * idle machine for figures. Small counts (--clients 1,4 --conversations 20) check that it works.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { basename } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { ChatTemplate, generateAll, loadTokenizer } from "@mini/llm";
import { loadModelDir } from "@mini/llm/models";
import { encodeChat } from "@mini/llm/serving";
import { benchModelDir } from "./infer.js";

const { values } = parseArgs({
  options: {
    clients: { type: "string", default: "1,4,8,16" },
    "max-tokens": { type: "string", default: "64" },
    conversations: { type: "string", default: "1000" },
    "kv-cache-mb": { type: "string", default: "256" },
    model: { type: "string", default: "chat32m" },
  },
});
const CLIENTS = values.clients.split(",").map(Number);
const MAX_TOKENS = Number(values["max-tokens"]);
const CONVERSATIONS = Number(values.conversations);
const KV_MB = Number(values["kv-cache-mb"]);
const MAIN = fileURLToPath(new URL("../src/main.ts", import.meta.url));

interface Message {
  role: string;
  content: string;
}
interface Stream {
  ttftMs: number;
  /** Gaps between content chunks after the first. */
  gapsMs: number[];
  totalMs: number;
  completionTokens: number;
  promptTokens: number;
  cachedTokens: number;
}

/** One streamed chat completion, timed from the request to each content chunk. */
async function streamChat(url: string, messages: Message[], maxTokens: number): Promise<Stream> {
  const model = basename(dir);
  const t0 = performance.now();
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ model, messages, temperature: 0, max_tokens: maxTokens, stream: true, stream_options: { include_usage: true } }),
  });
  if (!res.ok) throw new Error(`HTTP ${res.status}: ${await res.text()}`);
  const utf8 = new TextDecoder();
  let buffer = "";
  let last = NaN;
  const s: Stream = { ttftMs: NaN, gapsMs: [], totalMs: 0, completionTokens: 0, promptTokens: 0, cachedTokens: 0 };
  for await (const bytes of res.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += utf8.decode(bytes, { stream: true });
    let end: number;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const data = buffer.slice(0, end).replace(/^data: /, "");
      buffer = buffer.slice(end + 2);
      if (data === "[DONE]") continue;
      const chunk = JSON.parse(data) as { choices: { delta: { content?: string } }[]; usage?: { completion_tokens: number; prompt_tokens: number; prompt_tokens_cached: number } };
      if ((chunk.choices[0]?.delta.content ?? "") !== "") {
        const now = performance.now();
        if (Number.isNaN(s.ttftMs)) s.ttftMs = now - t0;
        else s.gapsMs.push(now - last);
        last = now;
      }
      if (chunk.usage) Object.assign(s, { completionTokens: chunk.usage.completion_tokens, promptTokens: chunk.usage.prompt_tokens, cachedTokens: chunk.usage.prompt_tokens_cached });
    }
  }
  s.totalMs = performance.now() - t0;
  return s;
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

/** `llama-infer serve` in a child process; resolves with its URL and pid once it listens. */
function startServer(dir: string): Promise<{ url: string; pid: number; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, ["--import", "tsx", "--conditions=@mini/source", MAIN, "serve", "--model", dir, "--port", "0", "--max-sessions", "16", "--max-queue", "64", "--kv-cache-mb", String(KV_MB), "--max-chars", "1000000"], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let err = "";
  return new Promise((resolve, reject) => {
    child.stderr.on("data", (c: Buffer) => {
      err += c.toString();
      const m = /serve: (http:\/\/\S+) /.exec(err);
      const stop = () =>
        new Promise<void>((r) => {
          child.once("exit", () => r());
          child.kill("SIGTERM");
        });
      if (m) resolve({ url: m[1]!, pid: child.pid!, stop });
    });
    child.on("exit", (code) => reject(new Error(`llama-infer serve exited (${code}): ${err}`)));
  });
}

/** Resident set size of a process (Linux /proc), in MB. */
function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : NaN;
}

const dir = benchModelDir(values.model);
const f = (x: number, d = 0) => (Number.isFinite(x) ? x.toFixed(d) : "–");

// 1. The baseline: one greedy generation with the library, no server (after a warm-up).
const loaded = await loadModelDir(dir);
const tokenizer = await loadTokenizer(dir);
const template = ChatTemplate.forTokenizer(tokenizer);
const baseIds = encodeChat(template, tokenizer, [{ role: "user", content: "Client 0: tell me a story about boat number 0." }], true);
generateAll(loaded.model, baseIds, { maxNewTokens: 8 });
const tb = performance.now();
const base = generateAll(loaded.model, baseIds, { maxNewTokens: MAX_TOKENS });
const baseTokS = base.ids.length / ((performance.now() - tb) / 1000);
loaded.model.dispose();

const server = await startServer(dir);
// Never leave the server behind (a failed run included).
process.on("exit", () => {
  try {
    process.kill(server.pid, "SIGKILL");
  } catch {
    // already gone
  }
});

await streamChat(server.url, [{ role: "user", content: "warm up" }], 8);

// 2. Concurrent clients.
const rows: { clients: number; total: number; per: number; ttft50: number; ttft99: number; itl50: number; itl99: number }[] = [];
for (const clients of CLIENTS) {
  const t0 = performance.now();
  const runs = await Promise.all(
    Array.from({ length: clients }, (_, k) => streamChat(server.url, [{ role: "user", content: `Client ${k}: tell me a story about boat number ${k}.` }], MAX_TOKENS)),
  );
  const wallS = (performance.now() - t0) / 1000;
  const tokens = runs.reduce((s, r) => s + r.completionTokens, 0);
  const ttfts = runs.map((r) => r.ttftMs);
  const gaps = runs.flatMap((r) => r.gapsMs);
  const per = runs.map((r) => r.completionTokens / (r.totalMs / 1000));
  rows.push({ clients, total: tokens / wallS, per: per.reduce((a, b) => a + b, 0) / clients, ttft50: pct(ttfts, 50), ttft99: pct(ttfts, 99), itl50: pct(gaps, 50), itl99: pct(gaps, 99) });
}

// 3. A shared ~300-token system prompt.
const system = { role: "system", content: "You are the archivist of a river town. ".repeat(27) };
const systemTokens = encodeChat(template, tokenizer, [system], false).length;
const shared: Stream[] = [];
for (let i = 0; i < 8; i++) shared.push(await streamChat(server.url, [system, { role: "user", content: `Question ${i}: what happened in year ${1900 + i}?` }], 16));

// 4. Many distinct short conversations: RSS stays bounded.
await streamChat(server.url, [{ role: "user", content: "Conversation 0 about the number 0." }], 16);
const rssFirst = rssMb(server.pid);
for (let i = 1; i < CONVERSATIONS; i++) await streamChat(server.url, [{ role: "user", content: `Conversation ${i} about the number ${i * 7919}.` }], 16);
const rssLast = rssMb(server.pid);
await server.stop();

const one = rows.find((r) => r.clients === 1);
const at = (n: number) => rows.find((r) => r.clients === n);
console.log(`## llama-infer serve at scale: ${dir}\n`);
console.log(`Load average ${loadavg().map((x) => x.toFixed(1)).join(", ")} on ${cpus().length} cores (figures on a shared machine are distorted; read the ratios).\n`);
console.log(`| clients | total tok/s | tok/s per client | TTFT p50 (ms) | TTFT p99 (ms) | inter-token p50 (ms) | inter-token p99 (ms) |`);
console.log(`| --- | --- | --- | --- | --- | --- | --- |`);
for (const r of rows) console.log(`| ${r.clients} | **${f(r.total, 1)}** | ${f(r.per, 1)} | ${f(r.ttft50)} | ${f(r.ttft99)} | ${f(r.itl50, 1)} | ${f(r.itl99, 1)} |`);
console.log(`| (library generate alone) | ${f(baseTokS, 1)} | | | | | |\n`);
const rest = shared.slice(1).map((s) => s.ttftMs);
console.log(`Shared system prompt (${systemTokens} tokens), 8 conversations in turn: TTFT first ${f(shared[0]!.ttftMs)} ms (cached ${shared[0]!.cachedTokens}); rest median ${f(pct(rest, 50))} ms, max ${f(Math.max(...rest))} ms (cached ${shared.slice(1).map((s) => s.cachedTokens).join(", ")})\n`);
console.log(`${CONVERSATIONS} distinct conversations in sequence: server RSS ${f(rssFirst)} MB after the first, ${f(rssLast)} MB after the last (--kv-cache-mb ${KV_MB})\n`);
const target = (what: string, value: number, bound: number, le = false) => console.log(`- ${what}: ${f(value, 2)} (target ${le ? "≤" : "≥"} ${bound}) ${Number.isFinite(value) ? ((le ? value <= bound : value >= bound) ? "met" : "NOT met") : "not measured"}`);
console.log("Targets (ratios within this run):");
target("total tok/s 8 clients / 1 client", (at(8)?.total ?? NaN) / (one?.total ?? NaN), 3.5);
target("total tok/s 16 clients / 1 client", (at(16)?.total ?? NaN) / (one?.total ?? NaN), 5);
target("p99 TTFT 8 clients / 1-client TTFT", (at(8)?.ttft99 ?? NaN) / (one?.ttft50 ?? NaN), 4, true);
target("shared prompt: max TTFT of conversations 2–8 / conversation 1", Math.max(...rest) / shared[0]!.ttftMs, 0.2, true);
target("RSS after the last − after the first (MB) vs --kv-cache-mb + 50", rssLast - rssFirst, KV_MB + 50, true);
target("1 client tok/s / generate alone", (one?.per ?? NaN) / baseTokS, 0.9);
