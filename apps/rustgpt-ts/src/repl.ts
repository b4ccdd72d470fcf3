/**
 * Interactive chat: one question per line, the answer printed as it is generated; `exit` or end
 * of input quits. Works from a terminal (with a "> " prompt) and from a pipe (no prompt, one
 * answer line per input line), so `printf 'Hello\nWhat causes rain?\n' | rustgpt-ts --load …` works.
 */
import { createInterface } from "node:readline";

/** Streams the answer to one question as text pieces. */
export type Responder = (question: string) => Iterable<string> | AsyncIterable<string>;

export interface ReplOptions {
  input?: NodeJS.ReadableStream;
  output?: NodeJS.WritableStream;
  /** Show the prompt and the greeting (default: when input is a TTY). */
  interactive?: boolean;
  /** Aborting it ends the chat (Ctrl-C). */
  signal?: AbortSignal;
}

export async function runRepl(respond: Responder, opts: ReplOptions = {}): Promise<number> {
  const input = opts.input ?? process.stdin;
  const output = opts.output ?? process.stdout;
  const interactive = opts.interactive ?? (input as NodeJS.ReadStream).isTTY === true;
  const rl = createInterface({ input, terminal: false });
  const stop = (): void => rl.close();
  if (opts.signal?.aborted) return 0;
  opts.signal?.addEventListener("abort", stop, { once: true });
  if (interactive) output.write('Chat with the model: type a question, "exit" or Ctrl-D to quit.\n> ');
  let answered = 0;
  for await (const raw of rl) {
    const line = raw.trim();
    if (line === "exit" || line === "quit") break;
    if (line !== "") {
      for await (const piece of respond(line)) output.write(piece);
      output.write("\n");
      answered++;
    }
    if (interactive) output.write("> ");
  }
  rl.close();
  opts.signal?.removeEventListener("abort", stop);
  if (interactive) output.write("\n");
  return answered;
}
