/**
 * The streams a command talks to. main.ts passes the process's; tests pass their own and run the
 * CLI in-process (spawning node costs ~0.5 s per run).
 */
export interface CliIO {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
  stdin: NodeJS.ReadableStream;
  /** stdin and stdout are a terminal: show prompts and a banner. */
  interactive: boolean;
}

export function processIO(): CliIO {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    interactive: process.stdin.isTTY === true && process.stdout.isTTY === true,
  };
}
