/**
 * Train: RustGPT's pipeline (vocabulary → pre-training → instruction tuning) in a worker, on
 * rustgpt-ts's data or pasted data; a live loss chart, tok/s and time left, Stop; then exact-match,
 * a chat with the trained model and its HF model directory as a zip. Settings live in the URL;
 * `run=1` trains at once (and, with `question=…`, asks it when training is done).
 */
import { LossChart } from "./loss-chart.js";
import type { Sampling, TrainEvent, TrainRequest, TrainSettings } from "./protocol.js";
import { choiceOf, field, numberOf, param, rawValue, setParam } from "./query.js";
import { button, el, fmtInt, fmtSeconds, showError } from "./ui.js";

const DATA_BASE = "data/rustgpt";
const int1 = (n: number): boolean => Number.isInteger(n) && n >= 1;
const int0 = (n: number): boolean => Number.isInteger(n) && n >= 0;
const pos = (n: number): boolean => n > 0;

/** rustgpt-ts's defaults per preset (its cli.ts PRESETS), as query-string values. */
const PRESETS = {
  "tiny-llama": { pretrain_epochs: "40", chat_epochs: "60", pretrain_lr: "0.003", chat_lr: "0.002", batch_size: "16", embed_dim: "64", hidden_dim: "192", layers: "2", heads: "4" },
  rustgpt: { pretrain_epochs: "100", chat_epochs: "100", pretrain_lr: "0.0005", chat_lr: "0.0001", batch_size: "1", embed_dim: "128", hidden_dim: "256", layers: "3", heads: "1" },
} as const;

export function mountTrainPage(root: HTMLElement): void {
  const preset = field({ name: "preset", label: "model", fallback: "tiny-llama", kind: "select", options: ["tiny-llama", "rustgpt"] });
  const presetName = preset.input.value === "rustgpt" ? "rustgpt" : "tiny-llama";
  const d = PRESETS[presetName];
  // Another preset means other defaults: reload with only the settings that are not preset-bound.
  preset.input.addEventListener("change", () => {
    const q = new URLSearchParams(location.search);
    for (const k of Object.keys(d)) q.delete(k);
    q.delete("run");
    location.search = q.toString();
  });
  const data = field({ name: "data", label: "data", fallback: "rustgpt", kind: "select", options: ["rustgpt", "pasted"] });
  const pretrainText = field({ name: "pretrain_text", label: "pre-training facts (JSON array or one per line)", fallback: "", kind: "textarea" });
  const chatText = field({ name: "chat_text", label: 'dialogues "User: … Assistant: … </s>"', fallback: "", kind: "textarea" });
  const nums = {
    pretrainEpochs: field({ name: "pretrain_epochs", label: "pre-training epochs", fallback: d.pretrain_epochs, kind: "number" }),
    chatEpochs: field({ name: "chat_epochs", label: "instruction epochs", fallback: d.chat_epochs, kind: "number" }),
    pretrainLr: field({ name: "pretrain_lr", label: "pre-training lr", fallback: d.pretrain_lr, kind: "number", step: "0.0005" }),
    chatLr: field({ name: "chat_lr", label: "instruction lr", fallback: d.chat_lr, kind: "number", step: "0.0005" }),
    batchSize: field({ name: "batch_size", label: "batch", fallback: d.batch_size, kind: "number" }),
    embedDim: field({ name: "embed_dim", label: "embed dim", fallback: d.embed_dim, kind: "number" }),
    hiddenDim: field({ name: "hidden_dim", label: "hidden dim", fallback: d.hidden_dim, kind: "number" }),
    layers: field({ name: "layers", label: "layers", fallback: d.layers, kind: "number" }),
    heads: field({ name: "heads", label: "heads", fallback: d.heads, kind: "number" }),
    maxSeqLen: field({ name: "max_seq_len", label: "context", fallback: "80", kind: "number" }),
    seed: field({ name: "seed", label: "seed", fallback: "42", kind: "number" }),
    threads: field({ name: "threads", label: "threads (empty: every core)", fallback: "", kind: "number" }),
  };
  const question = field({ name: "question", label: "ask the trained model", fallback: "How do mountains form?" });
  const maxNew = field({ name: "max_new_tokens", label: "max new tokens", fallback: "60", kind: "number" });

  const progress = el("div", { id: "progress", "data-testid": "progress" }, "not started");
  const canvas = el("canvas", { id: "loss-chart", width: "720", height: "240" });
  const chart = new LossChart(canvas);
  const exact = el("div", { id: "exact-match", "data-testid": "exact-match", "data-state": "idle" });
  const misses = el("ul", { id: "misses" });
  const output = el("pre", { id: "output", "data-testid": "output", "data-state": "idle" });
  const error = el("div", { id: "error", class: "error", "data-testid": "error", hidden: "" });
  const download = el("a", { id: "download", hidden: "" }, "Download the model directory (zip)");

  const worker = new Worker(new URL("./train-worker.ts", import.meta.url), { type: "module" });
  const trainBtn = button("Train", "train", () => void startTraining());
  const stopBtn = button("Stop", "stop", () => worker.postMessage({ type: "stop" } satisfies TrainRequest));
  const askBtn = button("Ask", "ask", () => ask());
  askBtn.disabled = true;
  const zipBtn = button("Prepare download", "zip", () => worker.postMessage({ type: "download" } satisfies TrainRequest));
  zipBtn.disabled = true;

  const syncData = (): void => {
    const pasted = data.input.value === "pasted";
    pretrainText.wrap.hidden = !pasted;
    chatText.wrap.hidden = !pasted;
    if (pasted && pretrainText.input.value === "") void fillWithAppData();
  };
  data.input.addEventListener("change", syncData);

  root.append(
    el("h1", {}, "Train RustGPT's pipeline in this tab"),
    el("p", { class: "hint" }, "Vocabulary from the data, pre-training on facts, instruction tuning on dialogues — exact gradients, WebAssembly kernels, in a Web Worker. Then chat with it and download it as a HuggingFace model directory that llama-infer loads."),
    el("div", { class: "row" }, preset.wrap, data.wrap),
    pretrainText.wrap,
    chatText.wrap,
    el("div", { class: "row" }, ...Object.values(nums).map((f) => f.wrap)),
    el("div", { class: "row" }, trainBtn, stopBtn),
    progress,
    canvas,
    exact,
    misses,
    error,
    el("h2", {}, "Chat"),
    el("div", { class: "row" }, question.wrap, maxNew.wrap, askBtn),
    output,
    el("div", { class: "row" }, zipBtn, download),
  );
  syncData();

  const onChatDone: (() => void) | null = null;
  worker.onerror = (ev) => fail(`worker: ${ev.message}`);
  worker.onmessage = (ev: MessageEvent<TrainEvent>) => handle(ev.data);

  async function fillWithAppData(): Promise<void> {
    const [p, c] = await Promise.all([fetchText(`${DATA_BASE}/pretraining.json`), fetchText(`${DATA_BASE}/chat.json`)]);
    if (pretrainText.input.value === "") pretrainText.input.value = p;
    if (chatText.input.value === "") chatText.input.value = c;
  }

  function handle(e: TrainEvent): void {
    switch (e.type) {
      case "vocabulary":
        progress.textContent = `${fmtInt(e.parameters)} parameters; ${e.text}; ${e.facts} facts, ${e.dialogues} dialogues`;
        progress.dataset["parameters"] = String(e.parameters);
        return;
      case "phase":
        progress.dataset["phase"] = e.phase;
        return;
      case "step": {
        const left = e.fraction > 0 ? (e.elapsedMs / 1000) * (1 / e.fraction - 1) : NaN;
        chart.add(e.phase, Math.round(e.fraction * stepsTotal), e.loss);
        progress.textContent =
          `${e.phase}: epoch ${e.epoch + 1}, step ${e.step + 1}/${e.steps}; loss ${e.loss.toFixed(4)}; ` +
          `${fmtInt(e.tokensPerSecond)} tok/s; ${(e.fraction * 100).toFixed(0)} %; time left ${fmtSeconds(left)}`;
        progress.dataset["tokensPerSecond"] = e.tokensPerSecond.toFixed(0);
        return;
      }
      case "epoch": {
        // Cumulative seconds of each phase at each epoch's end (the bench reads per-epoch times).
        const all = JSON.parse(progress.dataset["epochSeconds"] ?? "{}") as Record<string, number[]>;
        (all[e.phase] ??= []).push(e.seconds);
        progress.dataset["epochSeconds"] = JSON.stringify(all);
        return;
      }
      case "trained":
        progress.textContent = `${e.status} in ${e.seconds.toFixed(1)} s${e.message ? ` (${e.message})` : ""}` + (progress.dataset["tokensPerSecond"] ? `; ${progress.dataset["tokensPerSecond"]} tok/s` : "");
        progress.dataset["state"] = e.status;
        progress.dataset["seconds"] = e.seconds.toFixed(2);
        trainBtn.disabled = false;
        if (e.status === "diverged") fail(e.message);
        return;
      case "exact-match":
        exact.textContent = `${e.matched}/${e.total}`;
        exact.dataset["state"] = "done";
        misses.replaceChildren(...e.misses.map((m) => el("li", {}, `${m.question} — expected "${m.expected}", got "${m.got}"`)));
        askBtn.disabled = false;
        zipBtn.disabled = !e.downloadable;
        zipBtn.title = e.downloadable ? "" : "RustGPT's preset is saved in mini's own form (rustgpt-ts --preset rustgpt), not as an HF directory";
        if (param("run", "0") === "1" && question.input.value.trim() !== "") ask();
        return;
      case "zip": {
        download.setAttribute("href", URL.createObjectURL(e.blob));
        download.setAttribute("download", e.name);
        download.hidden = false;
        download.dataset["bytes"] = String(e.blob.size);
        return;
      }
      case "piece":
        output.textContent += e.text;
        return;
      case "done":
        output.dataset["state"] = "done";
        output.dataset["ids"] = e.ids.join(",");
        askBtn.disabled = false;
        onChatDone?.();
        return;
      case "loaded":
        return;
      case "error":
        fail(e.message);
    }
  }

  let stepsTotal = 1;

  async function startTraining(): Promise<void> {
    error.hidden = true;
    let settings: TrainSettings;
    try {
      choiceOf(preset.input, ["tiny-llama", "rustgpt"]);
      choiceOf(data.input, ["rustgpt", "pasted"]);
      let p = pretrainText.input.value;
      let c = chatText.input.value;
      if (data.input.value === "rustgpt") [p, c] = await Promise.all([fetchText(`${DATA_BASE}/pretraining.json`), fetchText(`${DATA_BASE}/chat.json`)]);
      settings = {
        preset: presetName,
        pretrainText: p,
        chatText: c,
        pretrainName: data.input.value === "rustgpt" ? "pretraining.json" : "pasted facts",
        chatName: data.input.value === "rustgpt" ? "chat.json" : "pasted dialogues",
        pretrainEpochs: numberOf(nums.pretrainEpochs.input, int0, "an integer ≥ 0"),
        chatEpochs: numberOf(nums.chatEpochs.input, int0, "an integer ≥ 0"),
        pretrainLr: numberOf(nums.pretrainLr.input, pos, "a number > 0"),
        chatLr: numberOf(nums.chatLr.input, pos, "a number > 0"),
        batchSize: numberOf(nums.batchSize.input, int1, "an integer ≥ 1"),
        embedDim: numberOf(nums.embedDim.input, int1, "an integer ≥ 1"),
        hiddenDim: numberOf(nums.hiddenDim.input, int1, "an integer ≥ 1"),
        layers: numberOf(nums.layers.input, int1, "an integer ≥ 1"),
        heads: numberOf(nums.heads.input, int1, "an integer ≥ 1"),
        maxSeqLen: numberOf(nums.maxSeqLen.input, (n) => Number.isInteger(n) && n >= 2, "an integer ≥ 2"),
        seed: numberOf(nums.seed.input, int0, "an integer ≥ 0"),
        threads: rawValue(nums.threads.input).trim() === "" ? null : numberOf(nums.threads.input, (n) => int1(n) && n <= 256, "an integer from 1 to 256"),
      };
    } catch (e) {
      return fail((e as Error).message);
    }
    // Pasted data goes into the link too, so the link reproduces the run.
    if (data.input.value === "pasted") {
      setParam("pretrain_text", settings.pretrainText, "");
      setParam("chat_text", settings.chatText, "");
    }
    stepsTotal = estimateSteps(settings);
    chart.reset(stepsTotal);
    delete progress.dataset["epochSeconds"];
    exact.textContent = "";
    exact.dataset["state"] = "running";
    progress.dataset["state"] = "running";
    trainBtn.disabled = true;
    askBtn.disabled = true;
    zipBtn.disabled = true;
    download.hidden = true;
    worker.postMessage({ type: "train", settings } satisfies TrainRequest);
  }

  function ask(): void {
    let sampling: Sampling;
    try {
      sampling = { temperature: 0, maxNewTokens: numberOf(maxNew.input, int1, "an integer ≥ 1") };
    } catch (e) {
      return fail((e as Error).message);
    }
    output.textContent = "";
    output.dataset["state"] = "running";
    askBtn.disabled = true;
    worker.postMessage({ type: "chat", message: question.input.value, sampling } satisfies TrainRequest);
  }

  function fail(message: string): void {
    showError(error, message);
    for (const t of [exact, output]) if (t.dataset["state"] === "running") t.dataset["state"] = "error";
    trainBtn.disabled = false;
  }

  if (param("run", "0") === "1") void startTraining();
}

/** Steps of both phases, for the chart's x axis (the worker reports the exact fraction). */
function estimateSteps(s: TrainSettings): number {
  const count = (text: string): number => {
    try {
      const j = JSON.parse(text) as unknown;
      if (Array.isArray(j)) return j.length;
    } catch {
      // lines
    }
    return text.split("\n").filter((l) => l.trim() !== "").length;
  };
  return s.pretrainEpochs * Math.ceil(count(s.pretrainText) / s.batchSize) + s.chatEpochs * Math.ceil(count(s.chatText) / s.batchSize);
}

async function fetchText(url: string): Promise<string> {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return r.text();
}
