/**
 * The metrics of `llama-infer serve` (see metrics.ts for the format): requests by route and
 * status, latency histograms fed by the engine's TokenObserver, and the engine's state.
 */
import type { ServingEngine, TokenObserver } from "@mini/llm/serving";
import { Counter, counterValue, gauge, Histogram } from "./metrics.js";

const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export class ServerMetrics implements TokenObserver {
  readonly requests = new Counter("llama_infer_requests_total", "HTTP requests answered, by route and status.");
  private readonly ttft = new Histogram("llama_infer_time_to_first_token_seconds", "From a request's arrival at the engine to its first generated token.", SECONDS);
  private readonly itl = new Histogram("llama_infer_inter_token_latency_seconds", "Between two consecutive generated tokens of one request.", SECONDS);
  /** Set once the engine exists (it is made with this object as its observer). */
  engine: ServingEngine | null = null;

  firstToken(ms: number): void {
    this.ttft.observe(ms / 1000);
  }

  interToken(ms: number): void {
    this.itl.observe(ms / 1000);
  }

  /** Paths outside the API are counted under one label, so a scan cannot grow the label set. */
  countRequest(path: string, status: number): void {
    const known = ["/v1/chat/completions", "/v1/completions", "/v1/models", "/health", "/metrics", "/tokenize", "/"];
    this.requests.inc({ route: known.includes(path) ? path : path.startsWith("/v1/models/") ? "/v1/models/{id}" : "other", status: String(status) });
  }

  expose(): string {
    const parts = [this.requests.expose(), this.ttft.expose(), this.itl.expose()];
    const e = this.engine;
    if (e !== null) {
      const s = e.stats();
      const kv = s.kv;
      parts.push(
        gauge("llama_infer_queue_length", "Requests waiting for KV-cache room.", s.queued),
        gauge("llama_infer_active_sequences", "Sequences being prefilled or decoded.", s.active),
        gauge("llama_infer_batch_size", "Sequences in the last engine step's forward pass.", s.lastBatchSize),
        gauge("llama_infer_kv_blocks_used", "KV-cache blocks in use by running sequences.", kv.used),
        gauge("llama_infer_kv_blocks_cached", "KV-cache blocks kept for prefix reuse (evictable).", kv.cached),
        gauge("llama_infer_kv_blocks_free", "KV-cache blocks free.", kv.free),
        gauge("llama_infer_prefix_hit_rate", "Prompt tokens found in the KV cache / prompt tokens, since start.", s.pool.promptTokens === 0 ? 0 : s.pool.cachedTokens / s.pool.promptTokens),
        counterValue("llama_infer_prompt_tokens_total", "Prompt tokens of accepted requests.", s.pool.promptTokens),
        counterValue("llama_infer_prompt_tokens_cached_total", "Prompt tokens found in the KV cache (not computed again).", s.pool.cachedTokens),
        counterValue("llama_infer_generated_tokens_total", "Tokens generated, over finished requests.", s.generatedTokens),
        counterValue("llama_infer_engine_requests_rejected_total", "Requests refused by the engine (bad options, prompt too long, queue full).", s.requests.rejected),
      );
    }
    return `${parts.join("\n")}\n`;
  }
}
