/**
 * Server-sent events as OpenAI streams them: `data: <json>\n\n` per chunk, `data: [DONE]\n\n` at
 * the end. No event names, ids or retry fields (OpenAI's clients do not use them).
 */
import type { ServerResponse } from "node:http";

export class SseStream {
  constructor(private readonly res: ServerResponse) {}

  /** Status 200 and the event-stream headers (sent at once, so the client sees the stream open). */
  open(extraHeaders: Record<string, string> = {}): void {
    this.res.writeHead(200, {
      "Content-Type": "text/event-stream; charset=utf-8",
      "Cache-Control": "no-cache",
      Connection: "keep-alive",
      "X-Accel-Buffering": "no",
      ...extraHeaders,
    });
    this.res.flushHeaders();
  }

  get closed(): boolean {
    return this.res.writableEnded || this.res.destroyed;
  }

  send(data: object): void {
    if (!this.closed) this.res.write(`data: ${JSON.stringify(data)}\n\n`);
  }

  /** `data: [DONE]` and the end of the response. */
  done(): void {
    if (this.closed) return;
    this.res.write("data: [DONE]\n\n");
    this.res.end();
  }
}
