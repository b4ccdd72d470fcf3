/**
 * Benchmark of `llama-infer serve` at scale, over HTTP on localhost, on the synthesized 32M
 * Mistral-shaped model (bench/infer.ts's `chat32m`). The server is a child process
 * (`llama-infer serve`); the clients run here, timing what a client sees.
 *
 *   1. `generate` alone: tok/s of one greedy generation (prompt included, as a client's tok/s
 *      includes its time to first token) in a child process, once before each round, and its
 *      CPU ms per token;
 *   2. --rounds rounds of 1, 4, 8, 16 concurrent streaming clients, --max-tokens each (greedy),
 *      every client of every round with a prompt the server has not seen (a repeated prompt would
 *      be found whole in the prefix cache: its time to first token one pass of one row):
 *      total tok/s (min/median/max over the rounds), per-client tok/s, p50/p99 time to first
 *      token and inter-token latency (over every stream of every round), the server process's CPU
 *      ms per generated token (/proc, all threads). Each client count starts
 *      on an idle server (the previous one's deferred work done: polled on /health);
 *   3. 8 conversations sharing one ~300-token system prompt, one after another: TTFT of the
 *      first vs the rest (found in the prefix cache);
 *   4. --conversations distinct short conversations in sequence (--conversation-tokens each):
 *      the server's RSS after the first and after the last (bounded by --kv-cache-mb);
 * then the targets as ratios of medians within this run, ✓ met / ✗ not met, and the
 * CPU ceiling that bounds the throughput ratios (cores / the server's CPU time per token).
 *
 *   npx tsx --conditions=@mini/source bench/serve.ts [--clients 1,4,8,16] [--rounds 3]
 *       [--max-tokens 64] [--conversations 1000] [--conversation-tokens 4] [--kv-cache-mb 256]
 *       [--threads N] [--model DIR] [--cpu-prof DIR]
 *
 * Timings on a shared machine are distorted by the other jobs: read the ratios, and re-run on an
 * idle machine for figures. Small counts (--clients 1,4 --rounds 1 --conversations 20) check that it works.
 */
import { execFile, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { basename } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs, promisify } from "node:util";
import { ChatTemplate, generateAll, loadTokenizer } from "@mini/llm";
import { loadModelDir } from "@mini/llm/models";
import { encodeChat } from "@mini/llm/serving";
import { getThreads } from "@mini/tensor";
import { benchModelDir } from "./infer.js";

const { values } = parseArgs({
  options: {
    clients: { type: "string", default: "1,4,8,16" },
    "max-tokens": { type: "string", default: "64" },
    rounds: { type: "string", default: "3" },
    conversations: { type: "string", default: "1000" },
    "conversation-tokens": { type: "string", default: "4" },
    /** Kernel threads of the server (default: its own default, every core). */
    threads: { type: "string" },
    /** Internal: time `generate` alone in this process and print it as JSON. */
    "child-generate": { type: "boolean", default: false },
    "kv-cache-mb": { type: "string", default: "256" },
    model: { type: "string", default: "chat32m" },
    /** Writes the server's CPU profile (node --cpu-prof) into this directory. */
    "cpu-prof": { type: "string" },
  },
});
const CLIENTS = values.clients.split(",").map(Number);
const MAX_TOKENS = Number(values["max-tokens"]);
const ROUNDS = Number(values.rounds);
const CONVERSATIONS = Number(values.conversations);
const CONVERSATION_TOKENS = Number(values["conversation-tokens"]);
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

function median(xs: number[]): number {
  return pct(xs, 50);
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

/** `llama-infer serve` in a child process; resolves with its URL and pid once it listens. */
function startServer(dir: string): Promise<{ url: string; pid: number; stop: () => Promise<void> }> {
  const profile = values["cpu-prof"] === undefined ? [] : ["--cpu-prof", `--cpu-prof-dir=${values["cpu-prof"]}`];
  const threads = values.threads === undefined ? [] : ["--threads", values.threads];
  const child = spawn(process.execPath, [...profile, "--import", "tsx", "--conditions=@mini/source", MAIN, "serve", "--model", dir, "--port", "0", "--max-sessions", "16", "--max-queue", "64", "--kv-cache-mb", String(KV_MB), "--max-chars", "1000000", ...threads], {
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

/** CPU time a process has used (Linux /proc: user + system, all its threads), in ms. */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

/** Resident set size of a process (Linux /proc), in MB. */
function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : NaN;
}

const dir = benchModelDir(values.model);
const f = (x: number, d = 0) => (Number.isFinite(x) ? x.toFixed(d) : "–");
/** Client k's prompt in round r: new in every round from its first words (clients share the template's few tokens). */
const CLIENT_PROMPT = (k: number, r = 0) => [{ role: "user", content: `Round ${r + 1}. Client ${k}: tell me a story about boat number ${k}.` }];

if (values["child-generate"]) {
  // The baseline: one greedy generation with the library, no server (after a warm-up).
  const loaded = await loadModelDir(dir);
  const tokenizer = await loadTokenizer(dir);
  const ids = encodeChat(ChatTemplate.forTokenizer(tokenizer), tokenizer, CLIENT_PROMPT(0), true);
  generateAll(loaded.model, ids, { maxNewTokens: 8 });
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const out = generateAll(loaded.model, ids, { maxNewTokens: MAX_TOKENS });
  const cpu = process.cpuUsage(c0);
  const cpuMsPerToken = (cpu.user + cpu.system) / 1000 / out.ids.length;
  console.log(JSON.stringify({ tokS: out.ids.length / ((performance.now() - t0) / 1000), cpuMsPerToken, threads: getThreads() }));
  process.exit(0);
}

/**
 * `generate` alone in a fresh process (the server, if running, is idle meanwhile). Awaited, not
 * run synchronously: a client blocked for seconds could not see the server close its idle
 * keep-alive connections (after 5 s), and the next request on one failed ("other side closed").
 */
async function generateAlone(): Promise<{ tokS: number; cpuMsPerToken: number; threads: number }> {
  const args = [...process.execArgv, fileURLToPath(import.meta.url), "--child-generate", "--model", values.model, "--max-tokens", String(MAX_TOKENS)];
  const env = values.threads === undefined ? process.env : { ...process.env, MINI_THREADS: values.threads };
  const { stdout } = await promisify(execFile)(process.execPath, args, { encoding: "utf8", env });
  return JSON.parse(stdout.trim().split("\n").pop()!) as { tokS: number; cpuMsPerToken: number; threads: number };
}

const tokenizer = await loadTokenizer(dir);
const template = ChatTemplate.forTokenizer(tokenizer);
const server = await startServer(dir);
// Never leave the server behind (a failed run included).
process.on("exit", () => {
  try {
    process.kill(server.pid, "SIGKILL");
  } catch {
    // already gone
  }
});

/** Waits until the server runs and queues nothing (deferred work of earlier requests included). */
async function serverIdle(): Promise<void> {
  for (;;) {
    const h = (await (await fetch(`${server.url}/health`)).json()) as { active: number; queued: number };
    if (h.active === 0 && h.queued === 0) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

await streamChat(server.url, [{ role: "user", content: "warm up" }], 8);

// 1, 2. `generate` alone before each round; the client counts in turn within a round.
const baseline: number[] = [];
const baselineCpu: number[] = [];
let baseThreads = NaN;
const runs = new Map<number, { total: number[]; per: number[]; cpu: number[]; ttfts: number[]; gaps: number[] }>(CLIENTS.map((c) => [c, { total: [], per: [], cpu: [], ttfts: [], gaps: [] }]));
for (let round = 0; round < ROUNDS; round++) {
  const g = await generateAlone();
  baseline.push(g.tokS);
  baselineCpu.push(g.cpuMsPerToken);
  baseThreads = g.threads;
  for (const clients of CLIENTS) {
    await serverIdle();
    const c0 = cpuMs(server.pid);
    const t0 = performance.now();
    const streams = await Promise.all(Array.from({ length: clients }, (_, k) => streamChat(server.url, CLIENT_PROMPT(k, round), MAX_TOKENS)));
    const wallS = (performance.now() - t0) / 1000;
    const r = runs.get(clients)!;
    const tokens = streams.reduce((s, x) => s + x.completionTokens, 0);
    r.cpu.push((cpuMs(server.pid) - c0) / tokens);
    r.total.push(tokens / wallS);
    r.per.push(median(streams.map((x) => x.completionTokens / (x.totalMs / 1000))));
    r.ttfts.push(...streams.map((x) => x.ttftMs));
    r.gaps.push(...streams.flatMap((x) => x.gapsMs));
  }
}

// 3. A shared ~300-token system prompt.
await serverIdle();
const system = { role: "system", content: "You are the archivist of a river town. ".repeat(27) };
const systemTokens = encodeChat(template, tokenizer, [system], false).length;
const shared: Stream[] = [];
for (let i = 0; i < 8; i++) shared.push(await streamChat(server.url, [system, { role: "user", content: `Question ${i}: what happened in year ${1900 + i}?` }], 16));

// 4. Many distinct short conversations: RSS stays bounded.
const tc = performance.now();
await streamChat(server.url, [{ role: "user", content: "Conversation 0 about the number 0." }], CONVERSATION_TOKENS);
const rssFirst = rssMb(server.pid);
for (let i = 1; i < CONVERSATIONS; i++) await streamChat(server.url, [{ role: "user", content: `Conversation ${i} about the number ${i * 7919}.` }], CONVERSATION_TOKENS);
await serverIdle();
const rssLast = rssMb(server.pid);
const conversationsS = (performance.now() - tc) / 1000;
await server.stop();

const mmm = (xs: number[], d = 1) => `${f(Math.min(...xs), d)} / ${f(median(xs), d)} / ${f(Math.max(...xs), d)}`;
console.log(`## llama-infer serve at scale: ${dir}\n`);
console.log(`Load average ${loadavg().map((x) => x.toFixed(1)).join(", ")} on ${cpus().length} cores (figures on a shared machine are distorted; read the ratios). Server threads: ${values.threads ?? "default"}; generate threads: ${baseThreads}. ${ROUNDS} round(s); total tok/s as min / median / max over the rounds; latencies over every stream.\n`);
console.log(`| clients | total tok/s | tok/s per client (median) | TTFT p50 (ms) | TTFT p99 (ms) | inter-token p50 (ms) | inter-token p99 (ms) | server CPU ms per token (median) |`);
console.log(`| --- | --- | --- | --- | --- | --- | --- | --- |`);
for (const [clients, r] of runs) console.log(`| ${clients} | **${mmm(r.total)}** | ${f(median(r.per), 1)} | ${f(pct(r.ttfts, 50))} | ${f(pct(r.ttfts, 99))} | ${f(pct(r.gaps, 50), 1)} | ${f(pct(r.gaps, 99), 1)} | ${f(median(r.cpu), 1)} |`);
console.log(`| (library generate alone, ${ROUNDS} processes) | ${mmm(baseline)} | | | | | | ${f(median(baselineCpu), 1)} |\n`);
console.log("CPU ms per token (all threads, prompt included) is the work done, which other jobs on the machine distort less than wall time.\n");
const rest = shared.slice(1).map((s) => s.ttftMs);
console.log(`Shared system prompt (${systemTokens} tokens), 8 conversations in turn: TTFT first ${f(shared[0]!.ttftMs)} ms (cached ${shared[0]!.cachedTokens}); rest median ${f(pct(rest, 50))} ms, max ${f(Math.max(...rest))} ms (cached ${shared.slice(1).map((s) => s.cachedTokens).join(", ")})\n`);
console.log(`${CONVERSATIONS} distinct conversations in sequence (${CONVERSATION_TOKENS} tokens each, ${f(conversationsS)} s): server RSS ${f(rssFirst)} MB after the first, ${f(rssLast)} MB after the last (--kv-cache-mb ${KV_MB})\n`);
const target = (what: string, value: number, bound: number, le = false) =>
  console.log(`- ${Number.isFinite(value) ? ((le ? value <= bound : value >= bound) ? "✓" : "✗") : "–"} ${what}: ${f(value, 2)} (target ${le ? "≤" : "≥"} ${bound})${Number.isFinite(value) ? "" : " not measured"}`);
const at = (n: number) => runs.get(n);
const total = (n: number) => (at(n) === undefined ? NaN : median(at(n)!.total));
console.log("Targets (ratios of medians within this run):");
target("total tok/s 8 clients / 1 client", total(8) / total(1), 3.5);
target("total tok/s 16 clients / 1 client", total(16) / total(1), 5);
target("p99 TTFT 8 clients / 1-client TTFT (p50)", pct(at(8)?.ttfts ?? [], 99) / pct(at(1)?.ttfts ?? [], 50), 4, true);
target("shared prompt: max TTFT of conversations 2–8 / conversation 1", Math.max(...rest) / shared[0]!.ttftMs, 0.2, true);
target("RSS after the last − after the first (MB) vs --kv-cache-mb + 50", rssLast - rssFirst, KV_MB + 50, true);
target("1 client tok/s / generate alone", median(at(1)?.per ?? []) / median(baseline), 0.9);

// What bounds the throughput ratios: the server's CPU per token, spread over every core.
const busiest = Math.max(...CLIENTS);
const cpuPerToken = median(at(busiest)?.cpu ?? []);
const ceiling = (cpus().length * 1000) / cpuPerToken;
console.log(
  `\nCPU ceiling with ${busiest} clients: ${cpus().length} cores / ${f(cpuPerToken, 2)} ms of server CPU per token = ${f(ceiling)} tok/s = ${f(ceiling / total(1), 2)}× one client's total ` +
    "(what the throughput ratios can reach at this cost per token, the pool threads' short spins between rounds included; the clients' own process takes its share of the same cores)",
);
