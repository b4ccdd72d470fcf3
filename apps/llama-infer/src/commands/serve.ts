/**
 * `llama-infer serve --model DIR`: an OpenAI-compatible HTTP server (chat completions,
 * completions, models, health) and a chat page at `/`, until SIGINT/SIGTERM.
 */
import { basename } from "node:path";
import { Command, Option } from "commander";
import { OptionError } from "@mini/llm";
import { ServingEngine } from "@mini/llm/serving";
import type { CliIO } from "../io.js";
import { addDtypeOption, readDtype } from "../kernel-options.js";
import { loadModel } from "../load.js";
import { addModelOption, UsageError } from "../options.js";
import { chatPageMissing, checkBind, DEFAULT_LIMITS, ServerMetrics, startServer, WEB_DIR, type RunningServer } from "../server/index.js";

export const SERVE_DEFAULTS = { host: "127.0.0.1", port: 8080, maxSessions: 8, maxQueue: 16, drainTimeoutS: 10, blockSize: 16 } as const;
export const API_KEY_ENV = "LLAMA_INFER_API_KEY";
const CONTEXT_FROM_MODEL = "model";
const KV_FROM_SESSIONS = "sessions";

export interface ServeCommandHooks {
  /** Called once the server listens (tests read the URL from it). Default: nothing. */
  onListening?: (server: RunningServer) => void;
  /** Resolves when the server should stop. Default: the first SIGINT or SIGTERM. */
  stopSignal?: Promise<void>;
}

export function serveCommand(io: CliIO, hooks: ServeCommandHooks = {}): Command {
  const cmd = new Command("serve").description(
    "serve the model over HTTP: an OpenAI-compatible API (/v1/chat/completions, /v1/completions, /v1/models, /health) and a chat page at /",
  );
  addModelOption(cmd);
  addDtypeOption(cmd);
  cmd
    .addOption(new Option("--host <host>", "address to listen on (0.0.0.0 for every interface)").default(SERVE_DEFAULTS.host))
    .addOption(new Option("--port <n>", "port to listen on; 0 picks a free one").default(SERVE_DEFAULTS.port))
    .addOption(new Option("--max-sessions <n>", "generations running at once (the largest batch of one forward pass)").default(SERVE_DEFAULTS.maxSessions))
    .addOption(new Option("--max-queue <n>", "requests that may wait (for a batch slot or KV-cache room); more get 503").default(SERVE_DEFAULTS.maxQueue))
    .addOption(new Option("--kv-cache-mb <n>", "memory of the paged KV cache shared by all requests, MiB").default(KV_FROM_SESSIONS, "--max-sessions full contexts"))
    .addOption(new Option("--block-size <n>", "positions per KV-cache block").default(SERVE_DEFAULTS.blockSize))
    // A sentinel default ("model", shown as the model's own length) so --help lists it, like --seed's "random".
    .addOption(new Option("--context <n>", "positions per cache (prompt + answer), at most the model's context length").default(CONTEXT_FROM_MODEL, "the model's max_position_embeddings"))
    .addOption(new Option("--api-key <key>", `require 'Authorization: Bearer <key>' (also read from ${API_KEY_ENV}); needed to listen on a non-loopback --host`))
    .addOption(new Option("--cors-origin <origin>", "let web pages of this one origin call the API (e.g. https://app.example); default: none"))
    .addOption(new Option("--drain-timeout <s>", "on SIGTERM/SIGINT, seconds running answers get to finish before they are ended").default(SERVE_DEFAULTS.drainTimeoutS))
    .addOption(new Option("--max-messages <n>", "most messages in one chat request").default(DEFAULT_LIMITS.maxMessages))
    .addOption(new Option("--max-chars <n>", "most characters of text in one request (messages or prompt)").default(DEFAULT_LIMITS.maxChars));
  cmd.action(async (opts: Record<string, unknown>) => {
    const port = intFlag("--port", opts["port"], 0, 65535);
    const maxSessions = intFlag("--max-sessions", opts["maxSessions"], 1, 1024);
    const maxQueue = intFlag("--max-queue", opts["maxQueue"], 0, 100_000);
    const kvCacheMb = opts["kvCacheMb"] === KV_FROM_SESSIONS ? undefined : intFlag("--kv-cache-mb", opts["kvCacheMb"], 1, 1_000_000);
    const blockSize = intFlag("--block-size", opts["blockSize"], 1, 1024);
    const drainTimeoutS = intFlag("--drain-timeout", opts["drainTimeout"], 0, 3600);
    const limits = { maxMessages: intFlag("--max-messages", opts["maxMessages"], 1, 1_000_000), maxChars: intFlag("--max-chars", opts["maxChars"], 1, 100_000_000) };
    const host = String(opts["host"]);
    const apiKey = typeof opts["apiKey"] === "string" ? opts["apiKey"] : process.env[API_KEY_ENV] || undefined;
    const corsOrigin = typeof opts["corsOrigin"] === "string" ? opts["corsOrigin"] : undefined;
    try {
      checkBind({ bindHost: host, apiKey, corsOrigin }); // before loading the model
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    const { dir, model, tokenizer, eosIds, loadMs } = await loadModel(String(opts["model"]), readDtype(opts));
    const maxContext = model.config.maxSeqLen;
    const context = opts["context"] === CONTEXT_FROM_MODEL ? maxContext : intFlag("--context", opts["context"], 2, maxContext, " (the model's max_position_embeddings)");
    const metrics = new ServerMetrics();
    let engine: ServingEngine;
    try {
      engine = new ServingEngine({ model, tokenizer, eosIds, maxSessions, maxQueue, contextLength: context, observer: metrics, blockSize, ...(kvCacheMb === undefined ? {} : { kvCacheMb }) });
    } catch (e) {
      if (e instanceof OptionError && e.option === "kvCacheMb") throw new UsageError(`invalid --kv-cache-mb: ${e.rule}, got ${String(e.value)}`);
      // A RustGPT-preset directory (rustgpt.json) loads, but its model cannot run a batch of requests.
      if (e instanceof OptionError && e.option === "model") throw new UsageError(`${dir}: serve needs a Llama-family model (it runs requests as one batch); this one runs in generate and chat only`);
      throw e;
    }
    const modelId = basename(dir);
    const server = await startServer({ engine, modelId, host, port, apiKey, corsOrigin, limits, metrics, log: (line) => io.stderr.write(`${line}\n`) });
    const pageMissing = chatPageMissing(WEB_DIR);
    const page = pageMissing === null ? `chat page at ${server.url}/, ` : "";
    io.stderr.write(
      `llama-infer serve: ${server.url} (model '${modelId}' loaded in ${loadMs.toFixed(0)} ms, context ${context}, ` +
        `batch ≤ ${maxSessions}, queue ${maxQueue}, KV cache ${engine.stats().kv.mb} MiB in blocks of ${blockSize}${apiKey === undefined ? "" : ", API key required"}); ${page}API at ${server.url}/v1\n`,
    );
    if (pageMissing !== null) io.stderr.write(`llama-infer serve: ${pageMissing}\n`);
    hooks.onListening?.(server);
    await (hooks.stopSignal ?? untilSignal());
    io.stderr.write(`llama-infer serve: draining (up to ${drainTimeoutS} s for running answers)\n`);
    const { finished, endedEarly } = await server.drain(drainTimeoutS * 1000);
    await engine.idle();
    io.stderr.write(`llama-infer serve: stopped (${finished} answers finished, ${endedEarly} ended early)\n`);
  });
  return cmd;
}

function intFlag(flag: string, v: unknown, min: number, max: number, note = ""): number {
  const x = typeof v === "number" ? v : String(v).trim() === "" ? NaN : Number(v);
  if (!Number.isInteger(x) || x < min || x > max) throw new UsageError(`invalid ${flag}: must be an integer in [${min}, ${max}]${note}, got ${String(v)}`);
  return x;
}

function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}
