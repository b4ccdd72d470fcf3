/**
 * The completions running on a server, for a graceful shutdown (SIGTERM):
 *
 *   drain(timeoutMs)  new completions get 503 (code "shutting_down"); the running ones may finish
 *                     within timeoutMs; then each one still running is ended early: a stream gets
 *                     an error chunk and `data: [DONE]`, a whole response a 503, and its
 *                     generation is cancelled.
 */
import { ApiError } from "./api-error.js";

type EndEarly = (err: ApiError) => void;

export class InFlight {
  private readonly running = new Set<EndEarly>();
  private emptied: (() => void)[] = [];
  private draining = false;

  get size(): number {
    return this.running.size;
  }

  get isDraining(): boolean {
    return this.draining;
  }

  /** Registers a running request; call the returned function when it ends. */
  add(endEarly: EndEarly): () => void {
    this.running.add(endEarly);
    return () => {
      this.running.delete(endEarly);
      if (this.running.size === 0) for (const w of this.emptied.splice(0)) w();
    };
  }

  refuseIfDraining(): void {
    if (this.draining) {
      throw new ApiError(503, "the server is shutting down; retry on another instance", "overloaded_error", null, "shutting_down", { Connection: "close", "Retry-After": "1" });
    }
  }

  /** Stops new work; resolves once every running request ended (by itself or ended early). */
  async drain(timeoutMs: number): Promise<{ finished: number; endedEarly: number }> {
    this.draining = true;
    const before = this.running.size;
    if (before > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((resolve) => this.emptied.push(resolve)),
        new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs))),
      ]);
      clearTimeout(timer);
    }
    const left = [...this.running];
    const err = new ApiError(503, `the server shut down before this answer finished (drain timeout ${timeoutMs} ms)`, "server_error", null, "shutting_down");
    for (const end of left) {
      try {
        end(err);
      } catch {
        // A broken socket must not stop the others from being ended.
      }
    }
    return { finished: before - left.length, endedEarly: left.length };
  }
}
