/**
 * How many threads the kernels use in this worker. @mini/tensor's thread pool is not in the
 * browser yet (it is being built on worker_threads; its Web Worker side, for cross-origin
 * isolated pages, is the adapter that will plug in here), so everything runs on this one thread.
 */
export function threadsInUse(): number {
  return 1;
}

/** Whether the page could share WASM memory with workers (COOP/COEP served). */
export function crossOriginIsolatedPage(): boolean {
  return (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
}
