/**
 * Chat templates: the Jinja `chat_template` of tokenizer_config.json, rendered with
 * @huggingface/jinja exactly as HF `apply_chat_template` does (messages, add_generation_prompt,
 * bos_token, eos_token, tools and documents (null unless given as variables), extra template
 * variables such as Qwen3's enable_thinking, and strftime_now, which Llama 3.x uses for today's
 * date: Python's C-locale strftime, see strftime.ts), and a built-in ChatML template for
 * tokenizers that ship none. Checked against Python's jinja2 by
 * test/families/chat-templates-xcheck.test.ts.
 */
import { parse, Template, tokenize } from "@huggingface/jinja";
import type { Tokenizer } from "../tokenizers/tokenizer.js";
import { joinContinuedStringLines } from "./jinja-source.js";
import { strftime } from "./strftime.js";

export interface ChatMessage {
  /** "system" | "user" | "assistant" (templates may know others). */
  role: string;
  content: string;
}

/**
 * ChatML, as HF's old default template (and the chat tokenizer's own):
 * `<|im_start|>{role}\n{content}<|im_end|>\n` per message, then `<|im_start|>assistant\n`.
 */
export const CHATML_TEMPLATE =
  "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

/** A template that does not parse, or that fails (or `raise_exception`s) while rendering. */
export class ChatTemplateError extends Error {
  override name = "ChatTemplateError";
}

export interface RenderOptions {
  /** End with the header of an assistant turn, so the model writes the answer. Default true. */
  addGenerationPrompt?: boolean;
  /**
   * Extra template variables, as the keyword arguments of HF `apply_chat_template`
   * (e.g. `{ enable_thinking: false }` for Qwen3, `{ date_string: "26 Jul 2024" }` for Llama 3.x,
   * `{ tools: [...] }` for OpenAI-style tool definitions; `tools` and `documents` are null otherwise).
   */
  variables?: Readonly<Record<string, unknown>>;
}

/**
 * `{% set strftime_now = __mini_strftime_now %}`, parsed, put in front of every template: the
 * library declares its own strftime_now global (months in the machine's locale) and refuses a
 * render variable of the same name, but a top-level set replaces it.
 */
const STRFTIME_OVERRIDE = parse(tokenize("{% set strftime_now = __mini_strftime_now %}", { lstrip_blocks: true, trim_blocks: true })).body;

/** Names the render context sets itself; a variable may not replace them. */
const RESERVED = new Set(["messages", "add_generation_prompt", "bos_token", "eos_token", "strftime_now", "__mini_strftime_now"]);

export class ChatTemplate {
  private readonly template: Template;
  /** Variables every render passes (withVariables); a render's own `variables` take precedence. */
  private defaults: Readonly<Record<string, unknown>> = {};

  /**
   * `source`: the Jinja text; `where` names it in errors (e.g. "tokenizer_config.json chat_template").
   * Throws ChatTemplateError if it does not parse.
   */
  constructor(
    readonly source: string,
    private readonly specialTokens: { bosToken?: string; eosToken?: string } = {},
    readonly where = "chat template",
  ) {
    try {
      this.template = new Template(joinContinuedStringLines(source));
      this.template.parsed.body.unshift(...STRFTIME_OVERRIDE);
    } catch (e) {
      throw new ChatTemplateError(`${where}: does not parse: ${(e as Error).message}`);
    }
  }

  /** The tokenizer's own template, or the built-in ChatML one when it has none. */
  static forTokenizer(tokenizer: Pick<Tokenizer, "chatTemplate" | "bosToken" | "eosToken">): ChatTemplate {
    const tokens = { bosToken: tokenizer.bosToken, eosToken: tokenizer.eosToken };
    return tokenizer.chatTemplate === undefined
      ? new ChatTemplate(CHATML_TEMPLATE, tokens, "built-in ChatML template")
      : new ChatTemplate(tokenizer.chatTemplate, tokens, "tokenizer_config.json chat_template");
  }

  get isBuiltInChatML(): boolean {
    return this.source === CHATML_TEMPLATE;
  }

  /**
   * This template with `variables` passed to every render (e.g. `{ enable_thinking: false }`), so a
   * ChatSession or a server renders with them. Throws ChatTemplateError for a reserved name.
   */
  withVariables(variables: Readonly<Record<string, unknown>>): ChatTemplate {
    const t = new ChatTemplate(this.source, this.specialTokens, this.where);
    t.defaults = { ...this.defaults, ...variables };
    t.checkNames(t.defaults);
    return t;
  }

  render(messages: readonly ChatMessage[], opts: RenderOptions = {}): string {
    const variables = { ...this.defaults, ...opts.variables };
    this.checkNames(variables);
    try {
      return this.template.render({
        // transformers always passes tools and documents, None when not given: templates that
        // test `tools is defined` / `tools is none` without setting it themselves depend on it.
        tools: null,
        documents: null,
        ...variables,
        messages: messages.map((m) => ({ role: m.role, content: m.content })),
        add_generation_prompt: opts.addGenerationPrompt ?? true,
        bos_token: this.specialTokens.bosToken ?? "",
        eos_token: this.specialTokens.eosToken ?? "",
        __mini_strftime_now: (format: string) => strftime(new Date(), format),
      });
    } catch (e) {
      throw new ChatTemplateError(`${this.where}: rendering failed: ${(e as Error).message}`);
    }
  }

  private checkNames(variables: Readonly<Record<string, unknown>>): void {
    for (const name of Object.keys(variables)) {
      if (RESERVED.has(name)) throw new ChatTemplateError(`${this.where}: the variable "${name}" is set by the renderer and cannot be passed`);
    }
  }
}
