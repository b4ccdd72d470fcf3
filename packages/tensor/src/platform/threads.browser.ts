/**
 * Kernel worker threads in a browser: the `browser` side of "#platform/threads". Web Workers
 * share the kernels' WebAssembly.Memory only on a cross-origin isolated page (COOP/COEP headers;
 * otherwise there is no SharedArrayBuffer and the pool is off). The worker's program comes from a
 * Blob URL; the shared memory and compiled modules arrive in its first message. It reports
 * "ready" after instantiating, and only then may the pool give it jobs (see KernelWorker.ready).
 */
import type { KernelWorker } from "./kernel-worker.js";

interface WebWorker {
  postMessage(data: unknown): void;
  onmessage: (() => void) | null;
  terminate(): void;
}
type WebWorkerCtor = new (url: string, opts?: { name?: string }) => WebWorker;

const g = globalThis as { Worker?: WebWorkerCtor; crossOriginIsolated?: boolean };

export function kernelWorkersAvailable(): boolean {
  return typeof g.Worker === "function" && g.crossOriginIsolated === true;
}

export function startKernelWorker(setup: string, loop: string, workerData: unknown): KernelWorker {
  const source = `onmessage = (e) => { onmessage = null; const workerData = e.data;\n${setup}\npostMessage("ready");\n${loop}\n};`;
  const url = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
  const w = new g.Worker!(url, { name: "mini kernel worker" });
  const handle = {
    ready: false,
    whenReady: new Promise<void>((resolve) => {
      w.onmessage = () => {
        handle.ready = true;
        URL.revokeObjectURL(url);
        resolve();
      };
    }),
    terminate: () => w.terminate(),
  };
  w.postMessage(workerData);
  return handle;
}
