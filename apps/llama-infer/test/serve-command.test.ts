/**
 * The `serve` command itself: flags refused in one line, startup on the given port and stop on its
 * signal, and every server option the command takes reaching the server (key, CORS, KV cache, limits).
 */
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { runCli } from "../src/cli.js";
import { serveCommand } from "../src/commands/serve.js";
import type { RunningServer } from "../src/server/index.js";
import { STORY, user, waitFor } from "./serve-helpers.js";

interface ErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

describe("the serve command", () => {
  const io = () => {
    const out = { stdout: "", stderr: "" };
    return {
      out,
      io: { stdout: { write: (s: string) => (out.stdout += s) }, stderr: { write: (s: string) => (out.stderr += s) }, stdin: Readable.from([""]), interactive: false },
    };
  };

  it("refuses bad flags with one line naming the flag", async () => {
    for (const [flag, value, rule] of [
      ["--port", "http", /invalid --port: must be an integer in \[0, 65535\], got http/],
      ["--max-sessions", "0", /invalid --max-sessions: must be an integer in \[1, 1024\], got 0/],
      ["--context", "9999", /invalid --context: must be an integer in \[2, 512\] \(the model's max_position_embeddings\), got 9999/],
    ] as const) {
      const { out, io: cliIo } = io();
      expect(await runCli(["serve", "--model", STORY, flag, value], cliIo)).toBe(1);
      expect(out.stderr).toMatch(rule);
    }
  });

  it("starts on the given port, serves, and stops on its signal", async () => {
    const { out, io: cliIo } = io();
    let stop!: () => void;
    const stopSignal = new Promise<void>((r) => (stop = r));
    let running: RunningServer | null = null;
    const cmd = serveCommand(cliIo, { stopSignal, onListening: (s) => (running = s) });
    const done = cmd.parseAsync(["--model", STORY, "--port", "0", "--max-sessions", "2", "--context", "128"], { from: "user" });
    await waitFor("the server to listen", () => running !== null);
    const url = (running as unknown as RunningServer).url;
    const health = (await (await fetch(`${url}/health`)).json()) as { kv: { blockSize: number }; contextLength: number };
    expect(health).toMatchObject({ kv: { blockSize: 16 }, contextLength: 128 });
    expect(out.stderr).toContain(`llama-infer serve: ${url} (model 'story'`);
    stop();
    await done;
    expect(out.stderr).toContain("llama-infer serve: stopped");
    await expect(fetch(`${url}/health`)).rejects.toThrow();
  });

  /** Runs `serve args` through the command until `use` is done; with LLAMA_INFER_API_KEY set to `envKey` while it parses. */
  async function withServeCommand(args: string[], envKey: string | undefined, use: (url: string, stderr: () => string) => Promise<void>): Promise<void> {
    const { out, io: cliIo } = io();
    let stop!: () => void;
    const stopSignal = new Promise<void>((r) => (stop = r));
    let running: RunningServer | null = null;
    const saved = process.env["LLAMA_INFER_API_KEY"];
    if (envKey === undefined) delete process.env["LLAMA_INFER_API_KEY"];
    else process.env["LLAMA_INFER_API_KEY"] = envKey;
    const done = serveCommand(cliIo, { stopSignal, onListening: (s) => (running = s) }).parseAsync(["--model", STORY, "--port", "0", ...args], { from: "user" });
    try {
      // a command that fails (a refused flag or bind) rejects here at once, not after waitFor's timeout
      await Promise.race([waitFor("the server to listen", () => running !== null), done.then(() => Promise.reject(new Error("serve ended without listening")))]);
    } finally {
      if (saved === undefined) delete process.env["LLAMA_INFER_API_KEY"];
      else process.env["LLAMA_INFER_API_KEY"] = saved;
    }
    try {
      await use(`http://127.0.0.1:${(running as unknown as RunningServer).port}`, () => out.stderr);
    } finally {
      stop();
      await done;
    }
  }

  it("passes --api-key, --cors-origin, --kv-cache-mb, --block-size, --max-messages and --max-chars on to the server", async () => {
    const KEY = "sk-flag-0123";
    const args = ["--api-key", KEY, "--cors-origin", "https://app.example", "--kv-cache-mb", "2", "--block-size", "32", "--max-messages", "2", "--max-chars", "100"];
    await withServeCommand(args, undefined, async (url, stderr) => {
      expect(stderr()).toContain("KV cache 2 MiB in blocks of 32, API key required");
      const health = (await (await fetch(`${url}/health`)).json()) as { kv: { blockSize: number; blocks: number; mb: number } };
      expect(health.kv).toMatchObject({ blockSize: 32, mb: 2, blocks: 64 }); // the story model: 1 KiB per position
      expect((await fetch(`${url}/v1/models`)).status).toBe(401);
      const auth = { Authorization: `Bearer ${KEY}`, "Content-Type": "application/json" };
      expect((await fetch(`${url}/v1/models`, { headers: auth })).status).toBe(200);
      const allowed = await fetch(`${url}/v1/models`, { headers: { ...auth, Origin: "https://app.example" } });
      expect(allowed.headers.get("access-control-allow-origin")).toBe("https://app.example");
      expect((await fetch(`${url}/v1/models`, { headers: { ...auth, Origin: "https://other.example" } })).status).toBe(403);
      const ask = async (body: unknown) => {
        const r = await fetch(`${url}/v1/chat/completions`, { method: "POST", headers: auth, body: JSON.stringify(body) });
        return { status: r.status, error: ((await r.json()) as ErrorBody).error };
      };
      const three = await ask({ model: "story", messages: [user("a"), user("b"), user("c")], max_tokens: 2 });
      expect(three).toMatchObject({ status: 400, error: { code: "limit_exceeded", message: expect.stringContaining("the limit is 2 (--max-messages)") } });
      const long = await ask({ model: "story", messages: [user("x".repeat(101))], max_tokens: 2 });
      expect(long).toMatchObject({ status: 400, error: { code: "limit_exceeded", message: expect.stringContaining("the limit is 100 (--max-chars)") } });
    });
  });

  it("takes the key from LLAMA_INFER_API_KEY, which lets it listen on a non-loopback --host", async () => {
    await withServeCommand(["--host", "0.0.0.0"], "sk-env-4567", async (url, stderr) => {
      expect(stderr()).toContain("API key required");
      expect((await fetch(`${url}/v1/models`)).status).toBe(401);
      expect((await fetch(`${url}/v1/models`, { headers: { Authorization: "Bearer sk-env-4567" } })).status).toBe(200);
    });
  });
});
