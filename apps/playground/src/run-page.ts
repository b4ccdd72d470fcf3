/**
 * Run: a model directory (the bundled story model, or a folder picked from disk) in a worker;
 * generate a continuation or chat, streamed, with tok/s, sampling settings and threads shown.
 * Settings live in the URL; `run=1` loads and generates at once.
 */
import type { RunEvent, RunRequest, Sampling } from "./protocol.js";
import { choiceOf, field, numberOf, param, rawValue } from "./query.js";
import { crossOriginIsolatedPage } from "./threads.js";
import { button, el, fmtInt, showError } from "./ui.js";

export function mountRunPage(root: HTMLElement): void {
  const model = field({ name: "model", label: "model", fallback: "story", kind: "select", options: ["story", "folder"] });
  const picker = el("input", { type: "file", id: "folder", webkitdirectory: "", multiple: "" }) as HTMLInputElement;
  const mode = field({ name: "mode", label: "mode", fallback: "generate", kind: "select", options: ["generate", "chat"] });
  const prompt = field({ name: "prompt", label: "prompt", fallback: "Once upon a time", kind: "textarea" });
  const temperature = field({ name: "temperature", label: "temperature", fallback: "0.8", kind: "number", step: "0.1" });
  const topK = field({ name: "top_k", label: "top-k", fallback: "40", kind: "number" });
  const topP = field({ name: "top_p", label: "top-p", fallback: "0.95", kind: "number", step: "0.05" });
  const maxNew = field({ name: "max_new_tokens", label: "max new tokens", fallback: "200", kind: "number" });
  const seed = field({ name: "seed", label: "seed", fallback: "42", kind: "number" });
  const threadsField = field({ name: "threads", label: "threads (empty: every core)", fallback: "", kind: "number" });
  const status = el("div", { id: "status", "data-testid": "status" }, "no model loaded");
  const stats = el("div", { id: "stats", "data-testid": "stats" });
  const error = el("div", { id: "error", class: "error", "data-testid": "error", hidden: "" });
  const output = el("pre", { id: "output", "data-testid": "output", "data-state": "idle" });
  const transcript = el("div", { id: "transcript" });

  let worker: Worker | null = null;
  let loadedKey = "";
  let onDone: (() => void) | null = null;

  const go = button("Generate", "go", () => void start());
  const stop = button("Stop", "stop", () => worker?.postMessage({ type: "stop" } satisfies RunRequest));
  const reset = button("New chat", "reset", () => {
    transcript.replaceChildren();
    output.textContent = "";
    worker?.postMessage({ type: "reset" } satisfies RunRequest);
  });
  const syncMode = (): void => {
    const chat = mode.input.value === "chat";
    go.textContent = chat ? "Send" : "Generate";
    reset.hidden = !chat;
    picker.hidden = model.input.value !== "folder";
  };
  mode.input.addEventListener("change", syncMode);
  model.input.addEventListener("change", syncMode);
  syncMode();

  root.append(
    el("h1", {}, "Run a model"),
    el("p", { class: "hint" }, "A HuggingFace Llama-family model directory (config.json, model.safetensors, tokenizer.json), run in this tab by @mini/llm on WebAssembly."),
    el("div", { class: "row" }, model.wrap, picker, mode.wrap),
    prompt.wrap,
    el("div", { class: "row" }, temperature.wrap, topK.wrap, topP.wrap, maxNew.wrap, seed.wrap, threadsField.wrap),
    el("div", { class: "row" }, go, stop, reset),
    status,
    error,
    transcript,
    output,
    stats,
  );

  function send(req: RunRequest): Promise<void> {
    return new Promise((resolve) => {
      onDone = resolve;
      worker!.postMessage(req);
    });
  }

  function ensureWorker(): Worker {
    if (worker !== null) return worker;
    worker = new Worker(new URL("./run-worker.ts", import.meta.url), { type: "module" });
    worker.onmessage = (ev: MessageEvent<RunEvent>) => handle(ev.data);
    worker.onerror = (ev) => fail(`worker: ${ev.message}`);
    return worker;
  }

  function handle(e: RunEvent): void {
    switch (e.type) {
      case "loaded":
        status.textContent =
          `${e.name}: ${fmtInt(e.parameters)} parameters, vocabulary ${fmtInt(e.vocab)}, context ${e.context}; ` +
          `loaded in ${e.loadMs.toFixed(0)} ms; threads: ${e.threads} (cross-origin isolated: ${crossOriginIsolatedPage() ? "yes" : "no"})`;
        status.dataset["threads"] = String(e.threads);
        return finish();
      case "piece":
        output.textContent += e.text;
        return;
      case "done":
        output.dataset["ids"] = e.ids.join(",");
        stats.dataset["decodeTokPerSec"] = e.stats.decodeTokPerSec.toFixed(1);
        stats.dataset["splitCalls"] = String(e.stats.splitCalls);
        output.dataset["state"] = "done";
        stats.textContent =
          `${e.stats.newTokens} tokens, prompt ${e.stats.promptTokens}; first token ${e.stats.firstTokenMs.toFixed(0)} ms; ` +
          `decode ${e.stats.decodeTokPerSec.toFixed(0)} tok/s; total ${e.stats.totalMs.toFixed(0)} ms; ` +
          `kernel calls split across threads: ${e.stats.splitCalls}`;
        return finish();
      case "error":
        fail(e.message);
    }
  }

  function finish(): void {
    const d = onDone;
    onDone = null;
    d?.();
  }

  function fail(message: string): void {
    showError(error, message);
    output.dataset["state"] = "error";
    go.disabled = false;
    finish();
  }

  async function load(threads: number | null): Promise<boolean> {
    const key = `${threads}:` + (model.input.value === "story" ? "story" : `folder:${[...(picker.files ?? [])].map((f) => f.webkitRelativePath).join("|")}`);
    if (key === loadedKey) return true;
    if (worker !== null) worker.terminate();
    worker = null;
    ensureWorker();
    status.textContent = "loading…";
    if (model.input.value === "story") {
      await send({ type: "load-url", base: new URL("models/story", document.baseURI).href, name: "story", threads });
    } else {
      const picked = [...(picker.files ?? [])];
      if (picked.length === 0) {
        fail("model: pick a model directory with the folder button first (config.json, model.safetensors, tokenizer.json)");
        return false;
      }
      // webkitRelativePath is "folder/file": the directory's own files only.
      const files: Record<string, File> = {};
      for (const f of picked) if (f.webkitRelativePath.split("/").length === 2) files[f.name] = f;
      const name = picked[0]!.webkitRelativePath.split("/")[0] ?? "model";
      await send({ type: "load-files", files, name, threads });
    }
    if (output.dataset["state"] === "error") return false;
    loadedKey = key;
    return true;
  }

  async function start(): Promise<void> {
    error.hidden = true;
    output.dataset["state"] = "running";
    let sampling: Sampling;
    let threads: number | null;
    try {
      choiceOf(model.input, ["story", "folder"]);
      choiceOf(mode.input, ["generate", "chat"]);
      threads = rawValue(threadsField.input).trim() === "" ? null : numberOf(threadsField.input, (n) => Number.isInteger(n) && n >= 1 && n <= 256, "an integer from 1 to 256");
      sampling = {
        temperature: numberOf(temperature.input, (n) => n >= 0, "a number ≥ 0"),
        topK: numberOf(topK.input, (n) => Number.isInteger(n) && n >= 0, "an integer ≥ 0"),
        topP: numberOf(topP.input, (n) => n > 0 && n <= 1, "a number in (0, 1]"),
        maxNewTokens: numberOf(maxNew.input, (n) => Number.isInteger(n) && n >= 1, "an integer ≥ 1"),
        seed: numberOf(seed.input, (n) => Number.isInteger(n) && n >= 0, "an integer ≥ 0"),
      };
    } catch (e) {
      return fail((e as Error).message);
    }
    go.disabled = true;
    if (!(await load(threads))) return;
    // Chat: earlier turns go to the transcript; the answer being written is the output below it.
    const previous = output.textContent ?? "";
    if (mode.input.value === "chat" && previous !== "" && transcript.childElementCount > 0) transcript.append(el("div", { class: "msg assistant" }, previous));
    output.textContent = "";
    output.dataset["state"] = "running";
    if (mode.input.value === "chat") {
      transcript.append(el("div", { class: "msg user" }, prompt.input.value));
      await send({ type: "chat", message: prompt.input.value, sampling });
    } else {
      await send({ type: "generate", prompt: prompt.input.value, sampling });
    }
    go.disabled = false;
  }

  if (param("run", "0") === "1") void start();
}
