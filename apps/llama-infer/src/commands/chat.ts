/**
 * `llama-infer chat --model DIR`: a REPL, one user message per line, answers streamed to stdout.
 * `/reset` starts over, `/exit` (or end of input) quits.
 *
 * From a terminal it shows a banner and a `> ` prompt, and Ctrl-C stops the answer being written
 * (Ctrl-C at the prompt quits). From a pipe it prints the answers only, one after each input
 * line, so `printf 'Hi\nTell me more\n' | llama-infer chat …` gives clean output. Notices
 * (resets, dropped turns, refused messages, stats) go to stderr.
 */
import { createInterface } from "node:readline";
import { Command } from "commander";
import { ChatOverflowError, ChatSession, ChatTemplate, Sampler, type TurnResult } from "@mini/llm";
import type { CliIO } from "../io.js";
import { addDtypeOption, readDtype } from "../kernel-options.js";
import { loadModel } from "../load.js";
import { addGenerationOptions, addModelOption, addTemplateVarOption, readGenerationFlags, readTemplateVars } from "../options.js";
import { formatStats } from "../stats.js";

export function chatCommand(io: CliIO): Command {
  const cmd = new Command("chat").description("chat with the model: one message per line; /reset starts over, /exit quits");
  addModelOption(cmd);
  addDtypeOption(cmd);
  cmd.option("--system <text>", "system message, kept through /reset and context overflow (default: none)");
  addTemplateVarOption(cmd);
  addGenerationOptions(cmd);
  cmd.action(async (opts: Record<string, unknown>) => {
    const flags = readGenerationFlags(opts);
    const templateVars = readTemplateVars(opts);
    const sampler = new Sampler(flags.sampling);
    const { dir, model, tokenizer, eosIds } = await loadModel(String(opts["model"]), readDtype(opts));
    const system = typeof opts["system"] === "string" ? opts["system"] : undefined;
    const session = new ChatSession(model, tokenizer, {
      template: ChatTemplate.forTokenizer(tokenizer).withVariables(templateVars),
      sampler,
      stopIds: eosIds,
      maxNewTokens: flags.maxNewTokens,
      ...(system === undefined ? {} : { system }),
    });
    await repl(io, session, { title: dir, stats: flags.stats, seed: sampler.seed });
  });
  return cmd;
}

async function repl(io: CliIO, session: ChatSession, o: { title: string; stats: boolean; seed: number }): Promise<void> {
  const note = (s: string) => io.stderr.write(`${s}\n`);
  const rl = createInterface({
    input: io.stdin,
    terminal: io.interactive,
    ...(io.interactive ? { output: process.stdout, prompt: "> " } : {}),
  });
  let answering = false;
  let interrupted = false;
  rl.on("SIGINT", () => {
    if (answering) interrupted = true;
    else rl.close();
  });
  if (io.interactive) {
    note(`Chatting with ${o.title} (context ${session.contextLength} tokens). /reset starts over, /exit quits, Ctrl-C stops an answer.`);
    rl.prompt();
  }
  for await (const raw of rl) {
    const line = raw.trim();
    if (line === "/exit") break;
    if (line === "/reset") {
      session.reset();
      note("(conversation reset)");
    } else if (line !== "") {
      answering = true;
      interrupted = false;
      try {
        const result = await answer(io, session, line, () => interrupted);
        if (result !== null && result.droppedMessages > 0) note(`(dropped the ${result.droppedMessages} oldest messages to fit the context)`);
        if (result !== null && o.stats) note(formatStats(result.generation, { "reused tokens": result.reusedTokens, seed: o.seed }));
      } catch (e) {
        // A message too long for the context is refused; the conversation goes on.
        if (!(e instanceof ChatOverflowError)) throw e;
        note(`error: ${e.message}`);
      } finally {
        answering = false;
      }
    }
    if (io.interactive) rl.prompt();
  }
  rl.close();
}

/** Streams one answer; null if interrupted (the partial answer stays in the conversation). */
async function answer(io: CliIO, session: ChatSession, line: string, stop: () => boolean): Promise<TurnResult | null> {
  const gen = session.send(line);
  let step = gen.next();
  for (; !step.done; step = gen.next()) {
    io.stdout.write(step.value);
    if (io.interactive) {
      // Let readline see a Ctrl-C between tokens.
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (stop()) {
        gen.return(undefined as never);
        io.stdout.write("\n");
        return null;
      }
    }
  }
  io.stdout.write("\n");
  return step.value;
}
