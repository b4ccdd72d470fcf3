/**
 * Kernel worker threads as Node has them: the `node` side of "#platform/threads" (package.json
 * "imports"; threads.browser.ts is the Web Worker side). A worker runs `setup` then `loop` (plain
 * JS from wasm/pool.ts) with `workerData` in scope; Node starts it on its own, so it is usable at
 * once: the caller may block in Atomics.wait right after creating it.
 */
import type { KernelWorker } from "./kernel-worker.js";

type NodeWorker = new (src: string, opts: { eval: true; workerData: unknown }) => { unref(): void; terminate(): Promise<number> };

/** Node ≥ 20.16 has process.getBuiltinModule: no static import, so bundles for other runtimes stay clean. */
const NodeWorkerCtor: NodeWorker | null =
  ((globalThis as { process?: { getBuiltinModule?: (n: string) => unknown } }).process?.getBuiltinModule?.("node:worker_threads") as { Worker: NodeWorker } | undefined)?.Worker ?? null;

export function kernelWorkersAvailable(): boolean {
  return NodeWorkerCtor !== null;
}

export function startKernelWorker(setup: string, loop: string, workerData: unknown): KernelWorker {
  const w = new NodeWorkerCtor!(`const { workerData } = require("node:worker_threads");\n${setup}\n${loop}`, { eval: true, workerData });
  w.unref();
  return { ready: true, whenReady: Promise.resolve(), terminate: () => void w.terminate() };
}
