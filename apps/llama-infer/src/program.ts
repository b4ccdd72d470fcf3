/**
 * The command tree. commander because it gives subcommands, required options, defaults shown in
 * --help and unknown-option errors for free, with no dependencies of its own.
 */
import { Command } from "commander";
import { chatCommand } from "./commands/chat.js";
import { generateCommand } from "./commands/generate.js";
import { synthCommand } from "./commands/synth.js";

export function buildProgram(): Command {
  return new Command("llama-infer")
    .description("Run HuggingFace Llama/Mistral model directories with @mini/llm: generate text, chat, synthesize test models")
    .showHelpAfterError("(run with --help for usage)")
    .addCommand(generateCommand())
    .addCommand(chatCommand())
    .addCommand(synthCommand());
}
