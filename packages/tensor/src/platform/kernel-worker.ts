/** A kernel worker started by "#platform/threads" (threads.node.ts, threads.browser.ts). */
export interface KernelWorker {
  /**
   * True once the worker runs its loop. A Web Worker starts only after its creator's thread
   * returns to its event loop, so the pool must not block waiting for it before then.
   */
  readonly ready: boolean;
  readonly whenReady: Promise<void>;
  terminate(): void;
}
