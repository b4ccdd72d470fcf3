/**
 * The command tree. commander (rather than node:util parseArgs or yargs): subcommands, required
 * options, defaults listed in --help and errors for unknown options come built in, it has no
 * dependencies of its own, and its API reads like the help text it produces.
 */
import { Command } from "commander";
import { chatCommand } from "./commands/chat.js";
import { convertCommand } from "./commands/convert.js";
import { generateCommand } from "./commands/generate.js";
import { serveCommand } from "./commands/serve.js";
import { synthCommand } from "./commands/synth.js";
import type { CliIO } from "./io.js";
import { addThreadsOption } from "./kernel-options.js";

export function buildProgram(io: CliIO): Command {
  const program = new Command("llama-infer")
    .description("Run Llama-family models (HuggingFace directories or GGUF files) with @mini/llm: generate text, chat, serve an OpenAI-compatible API, convert to GGUF, synthesize test models")
    .addCommand(generateCommand(io))
    .addCommand(chatCommand(io))
    .addCommand(synthCommand(io))
    .addCommand(convertCommand(io))
    .addCommand(serveCommand(io));
  // Errors and help go to io (throwing instead of process.exit), for every command.
  for (const cmd of program.commands) addThreadsOption(cmd);
  for (const cmd of [program, ...program.commands]) {
    cmd
      .exitOverride()
      .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });
  }
  return program;
}
