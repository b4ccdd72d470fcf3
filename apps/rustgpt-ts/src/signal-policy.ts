/**
 * What the process does on Ctrl-C, SIGTERM (kill, a container stopping) and SIGHUP (the terminal
 * closing), all alike: the first asks the app (in its worker thread) to stop — it finishes its
 * step, writes a checkpoint and exits 130 — by setting the shared interrupt flag; a second ends
 * the process at once (exit code 130), without waiting for the worker. main.ts installs it.
 */
export interface SignalPolicyDeps {
  /** Int32Array flag the worker polls (worker.ts); set to 1 on the first signal. */
  interrupt: SharedArrayBuffer;
  /** Stops the worker thread (a second signal). */
  terminate(): void;
  /** Where the one-line notice goes (the process's stderr). */
  write(text: string): void;
  /** Ends the process (process.exit). */
  exit(code: number): void;
}

export function signalPolicy(deps: SignalPolicyDeps): (signal: NodeJS.Signals) => void {
  let interrupted = false;
  return (signal) => {
    if (interrupted) {
      deps.terminate();
      deps.exit(130);
      return;
    }
    interrupted = true;
    const what = signal === "SIGINT" ? "interrupted" : `${signal} received`;
    deps.write(`\n${what} (${signal === "SIGINT" ? "Ctrl-C" : signal} again to quit at once)\n`);
    Atomics.store(new Int32Array(deps.interrupt), 0, 1);
  };
}
