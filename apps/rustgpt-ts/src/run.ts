/**
 * One invocation of the app: parse the options, train (or load), save, evaluate, then answer a
 * prompt or chat. Returns the exit code; every stream is injected so tests run it in-process.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { CommanderError } from "commander";
import {
  evaluateLoss,
  exactMatch,
  readTextDataset,
  tokenizeDataset,
  type ExactMatchResult,
  type TokenizedDataset,
} from "@mini/llm/training";
import { setThreads } from "@mini/tensor";
import { answerText, eosIdOf, makeAnswerer } from "./answer.js";
import { buildProgram, parseArgs, type RunOptions } from "./cli.js";
import { AppError } from "./errors.js";
import { checkGgufExportable, checkGgufTarget, saveGguf } from "./gguf-export.js";
import { loadTrained, saveTrained, type TrainedModel } from "./model-files.js";
import { runRepl } from "./repl.js";
import { buildSummary, removeSummary, writeSummary, type Summary } from "./summary.js";
import { checkLoadedMatches, trainRun, type AppIO } from "./train-run.js";

export interface RunIO extends AppIO {
  in: NodeJS.ReadableStream;
  /** Show the chat prompt (default: when `in` is a TTY). */
  interactiveTTY?: boolean;
}

export async function runApp(argv: readonly string[], io: RunIO, signal: AbortSignal = new AbortController().signal): Promise<number> {
  const program = buildProgram()
    .exitOverride()
    .configureOutput({ writeOut: (s) => void io.out.write(s), writeErr: (s) => void io.err.write(s) });
  let o: RunOptions;
  try {
    o = parseArgs(argv, program);
  } catch (e) {
    if (e instanceof CommanderError) return e.code === "commander.helpDisplayed" || e.code === "commander.version" ? 0 : 1;
    throw e;
  }
  if (o.threads !== undefined) setThreads(o.threads);
  if (o.load !== undefined && o.resume !== undefined) throw new AppError("--load and --resume cannot be combined (load skips training; resume continues it)");

  let trained: TrainedModel;
  let chat: TokenizedDataset | null = null;
  let lastExactMatch: ExactMatchResult | null = null;
  if (o.load !== undefined) {
    trained = await loadTrained(o.load);
    checkLoadedMatches(o.load, trained, o);
    io.out.write(`loaded ${trained.preset} model from ${o.load} (${trained.model.numParameters().toLocaleString("en-US")} parameters)\n`);
    if (o.saveGguf !== undefined) {
      checkGgufTarget(o.saveGguf);
      checkGgufExportable(trained.preset, JSON.parse(readFileSync(join(o.load, "tokenizer.json"), "utf8")) as Record<string, unknown>);
      io.out.write(`${await saveGguf(o.load, o.saveGguf)}\n`);
    }
  } else {
    const r = await trainRun(o, io, signal);
    if (r.result.status === "interrupted") {
      io.err.write(`${r.result.message}\nresume with: --resume ${r.options.save}\n`);
      return 130;
    }
    if (r.result.status === "diverged") {
      const kept = r.result.checkpointDir ? `; the last good weights are in ${r.result.checkpointDir}` : "";
      throw new AppError(`${r.result.message}${kept}`);
    }
    trained = r.trained;
    chat = r.chat;
    removeSummary(r.options.save); // an interrupt from here on leaves no summary of another model
    saveTrained(r.options.save, trained, r.tokenizerFiles);
    const eos = eosIdOf(trained.tokenizer);
    const padId = trained.tokenizer.tokenToId("<pad>")!;
    lastExactMatch = exactMatch(trained.model, trained.tokenizer, chat, { stopIds: [eos] });
    const loss = evaluateLoss(trained.model, chat, { padId, lossOn: o.preset === "rustgpt" ? "all" : "mask" });
    const files = writeSummary(r.options.save, buildSummary(r, { loss, exactMatch: lastExactMatch }));
    io.out.write(`model saved to ${r.options.save}\n  ${files.summary}\n  ${files.plot}\n`);
    if (o.saveGguf !== undefined) io.out.write(`${await saveGguf(r.options.save, o.saveGguf)}\n`);
    io.out.write(`training dialogues: loss ${loss.loss.toFixed(4)}, perplexity ${loss.perplexity.toFixed(3)}\n`);
  }

  if (o.eval) {
    if (chat === null) {
      const data = readTextDataset(o.load !== undefined && !o.given.has("chatData") ? trainedChatData(o.load, o.chatData) : o.chatData);
      chat = tokenizeDataset(data, trained.tokenizer, { kind: "dialogue", maxSeqLen: trained.model.config.maxSeqLen });
      if (chat.unknownTokens > 0) io.err.write(`${chat.file}: ${chat.unknownTokens} word(s) not in the vocabulary became <unk>\n`);
    }
    const em = lastExactMatch ?? exactMatch(trained.model, trained.tokenizer, chat, { stopIds: [eosIdOf(trained.tokenizer)] });
    for (const m of em.misses.slice(0, 5)) io.out.write(`  miss: ${m.question}\n    expected: ${m.expected}\n    got:      ${m.got}\n`);
    io.out.write(`exact-match: ${em.matched}/${em.total}\n`);
  }

  const answerer = makeAnswerer(trained, { temperature: o.temperature, topK: o.topK, topP: o.topP, seed: o.seed }, (msg) => void io.err.write(`(${msg})\n`));
  if (o.prompt !== undefined) {
    io.out.write(`${answerText(answerer, o.prompt)}\n`);
    return 0;
  }
  if (o.interactive) await runRepl((q) => answerer.answer(q), { input: io.in, output: io.out, signal, ...(io.interactiveTTY !== undefined ? { interactive: io.interactiveTTY } : {}) });
  return 0;
}

/**
 * The dialogues a saved model was trained on (summary.json), so `--load DIR --eval` scores it on
 * its own data; `fallback` (the default --chat-data) when the summary or the file is gone.
 */
function trainedChatData(dir: string, fallback: string): string {
  const summary = join(dir, "summary.json");
  if (!existsSync(summary)) return fallback;
  try {
    const file = (JSON.parse(readFileSync(summary, "utf8")) as Summary).data[1]?.file;
    return typeof file === "string" && existsSync(file) ? file : fallback;
  } catch {
    return fallback;
  }
}
