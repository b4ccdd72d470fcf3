/**
 * A dedicated worker's global scope, typed by hand: the worker files are type-checked without the
 * DOM library (whose WebAssembly declarations clash with @mini/tensor's own), like the packages.
 */
interface WorkerScope {
  postMessage(message: unknown): void;
  onmessage: ((ev: { data: never }) => void) | null;
}

export const scope = globalThis as unknown as WorkerScope;
