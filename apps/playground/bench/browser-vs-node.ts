/**
 * Browser vs Node, same machine, one run: the story model's decode speed (greedy, 256 new tokens;
 * the Run page in Debian's chromium vs @mini/llm in this process) and one epoch of each phase of
 * RustGPT's preset (the Train page's worker vs the same pipeline code, src/pipeline.ts, here).
 * Several measurements each (min / median / max); the first browser generation is a warm-up.
 * The machine is shared: a figure is only as good as the idleness of the run.
 *
 *   pnpm --filter playground bench        (or: tsx --conditions=@mini/source bench/browser-vs-node.ts [repeats])
 */
import { join } from "node:path";
import { generateAll, loadModel } from "@mini/llm";
import { threadCount } from "@mini/tensor";
import { preparePipeline, trainPipeline } from "../src/pipeline.js";
import type { TrainSettings } from "../src/protocol.js";
import { APP, launchChromium, startSite } from "../test/helpers.js";

const SHARED = process.env["MINI_SHARED"] ?? join(APP, "..", "..", "..", "shared");
const REPEATS = Number(process.argv[2] ?? 5);
const PROMPT = "Once upon a time";
const NEW_TOKENS = 256;
const EPOCHS = 4; // per phase; the first epoch of each phase is left out (warm-up)

const stat = (xs: number[], digits = 0): string => {
  const s = [...xs].sort((a, b) => a - b);
  return `${s[0]!.toFixed(digits)} / ${s[Math.floor(s.length / 2)]!.toFixed(digits)} / ${s[s.length - 1]!.toFixed(digits)}`;
};
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
/** Per-epoch seconds from cumulative phase seconds, first epoch dropped. */
const perEpoch = (cumulative: number[]): number[] => cumulative.map((c, i) => c - (cumulative[i - 1] ?? 0)).slice(1);

const site = await startSite();
const browser = await launchChromium();
try {
  // Story decode, browser: one page, Generate clicked REPEATS + 1 times (worker and model stay loaded).
  const page = await browser.newPage();
  await page.goto(`${site.url}?${new URLSearchParams({ page: "run", model: "story", prompt: PROMPT, temperature: "0", max_new_tokens: String(NEW_TOKENS), run: "1" })}`);
  const browserDecode: number[] = [];
  for (let i = 0; i <= REPEATS; i++) {
    if (i > 0) await page.click("#go");
    await page.waitForSelector("[data-testid=output][data-state=done]", { timeout: 120_000 });
    const v = Number(await page.getAttribute("[data-testid=stats]", "data-decode-tok-per-sec"));
    if (i > 0) browserDecode.push(v);
  }
  const threads = await page.getAttribute("[data-testid=status]", "data-threads");
  await page.close();

  // Story decode, Node.
  const { model, tokenizer, eosIds } = await loadModel(join(SHARED, "models", "story"));
  const ids = tokenizer.encode(PROMPT);
  const nodeDecode: number[] = [];
  for (let i = 0; i <= REPEATS; i++) {
    const r = generateAll(model, ids, { maxNewTokens: NEW_TOKENS, stopIds: eosIds });
    if (i > 0) nodeDecode.push(((r.ids.length - 1) * 1000) / r.decodeMs);
  }

  // RustGPT preset epochs, browser.
  const q = { page: "train", preset: "rustgpt", pretrain_epochs: String(EPOCHS), chat_epochs: String(EPOCHS), run: "1", question: "" };
  const train = await browser.newPage();
  await train.goto(`${site.url}?${new URLSearchParams(q)}`);
  await train.waitForSelector("[data-testid=exact-match][data-state=done]", { timeout: 1_800_000 });
  const browserEpochs = JSON.parse((await train.getAttribute("[data-testid=progress]", "data-epoch-seconds"))!) as Record<string, number[]>;
  await train.close();

  // RustGPT preset epochs, Node: the same pipeline code on the same data.
  const data = async (f: string): Promise<string> => (await import("node:fs")).readFileSync(join(APP, "..", "rustgpt-ts", "data", f), "utf8");
  const settings: TrainSettings = {
    preset: "rustgpt", pretrainText: await data("pretraining.json"), chatText: await data("chat.json"), pretrainName: "pretraining.json", chatName: "chat.json",
    pretrainEpochs: EPOCHS, chatEpochs: EPOCHS, pretrainLr: 5e-4, chatLr: 1e-4, batchSize: 1, embedDim: 128, hiddenDim: 256, layers: 3, heads: 1, maxSeqLen: 80, seed: 42, threads: null,
  };
  const nodeEpochs: Record<string, number[]> = {};
  await trainPipeline(preparePipeline(settings), settings.seed, { onEpoch: (e) => void (nodeEpochs[e.phase] ??= []).push(e.seconds) });

  console.log(`browser: ${browser.version()} (threads: ${threads}); node ${process.version} (threads: ${threadCount()}); ${REPEATS} repeats\n`);
  console.log("| what | browser (min / median / max) | Node (min / median / max) | browser ÷ Node (medians) |");
  console.log("| --- | ---: | ---: | ---: |");
  console.log(`| story decode, tok/s (greedy, ${NEW_TOKENS} new tokens) | ${stat(browserDecode)} | ${stat(nodeDecode)} | ${(median(browserDecode) / median(nodeDecode)).toFixed(2)}× |`);
  for (const phase of ["pre-training", "instruction-tuning"]) {
    const b = perEpoch(browserEpochs[phase]!);
    const n = perEpoch(nodeEpochs[phase]!);
    // For times, "browser ÷ Node" is speed: Node's time over the browser's.
    console.log(`| RustGPT preset ${phase} epoch, s (epochs 2-${EPOCHS}) | ${stat(b, 3)} | ${stat(n, 3)} | ${(median(n) / median(b)).toFixed(2)}× |`);
  }
} finally {
  await browser.close();
  await site.close();
}
