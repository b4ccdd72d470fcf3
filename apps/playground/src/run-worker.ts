/**
 * The Run page's worker: loads a model directory (the bundled story model by URL, or the files of
 * a picked folder) with loadModelFromFiles, then generates or chats, streaming pieces back.
 */
import { loadModelFromFiles, type ModelFileInput } from "@mini/llm";
import { Generation } from "./generation.js";
import { scope } from "./worker-scope.js";
import type { RunEvent, RunRequest } from "./protocol.js";
import { setThreads, startThreadPool } from "@mini/tensor";

const post = (e: RunEvent): void => scope.postMessage(e);
let generation: Generation | null = null;
let busy: Promise<void> = Promise.resolve();

scope.onmessage = (ev: { data: RunRequest }) => {
  const req = ev.data;
  // Stop must not wait behind the generation it stops.
  if (req.type === "stop") return generation?.stop();
  busy = busy.then(() => handle(req)).catch((e: unknown) => post({ type: "error", message: (e as Error).message ?? String(e) }));
};

async function handle(req: RunRequest): Promise<void> {
  switch (req.type) {
    case "load-url": {
      const list = await fetch(`${req.base}/files.json`);
      if (!list.ok) throw new Error(`${req.base}/files.json: HTTP ${list.status} (is the model bundled in this build?)`);
      const names = (await list.json()) as string[];
      const files: Record<string, ModelFileInput> = {};
      await Promise.all(names.map(async (n) => void (files[n] = await fetch(`${req.base}/${n}`))));
      return load(files, req.name, req.threads);
    }
    case "load-files":
      return load(req.files, req.name, req.threads);
    case "generate":
      return loaded().continuation(req.prompt, req.sampling);
    case "chat":
      return loaded().chatTurn(req.message, req.sampling);
    case "reset":
      return loaded().reset();
  }
}

/** threads: the kernel pool's size (null: every core, the pool's default). */
async function load(files: Record<string, ModelFileInput>, name: string, threads: number | null): Promise<void> {
  const t0 = performance.now();
  if (threads !== null) setThreads(threads);
  // On a cross-origin isolated page the kernels' Web Workers start now (1 thread otherwise).
  const running = await startThreadPool();
  const m = await loadModelFromFiles(files, { name });
  if (m.tokenizer === null) throw new Error(`${name}/tokenizer.json: missing (the Run page needs the model's tokenizer)`);
  generation = new Generation({ model: m.model, tokenizer: m.tokenizer, eosIds: m.eosTokenIds }, post);
  const c = m.config;
  post({
    type: "loaded",
    name,
    parameters: countParameters(m.model.weights),
    vocab: c.vocabSize,
    context: c.maxSeqLen,
    loadMs: performance.now() - t0,
    threads: running,
  });
}

function loaded(): Generation {
  if (generation === null) throw new Error("no model loaded yet");
  return generation;
}

/** Distinct float32 tensors reachable from the weights (a tied lm_head counted once). */
function countParameters(weights: object): number {
  const seen = new Set<Float32Array>();
  const walk = (v: unknown): void => {
    if (v === null || typeof v !== "object") return;
    const data = (v as { data?: unknown }).data;
    if (data instanceof Float32Array) return void seen.add(data);
    for (const x of Array.isArray(v) ? v : Object.values(v)) walk(x);
  };
  walk(weights);
  let n = 0;
  for (const d of seen) n += d.length;
  return n;
}
