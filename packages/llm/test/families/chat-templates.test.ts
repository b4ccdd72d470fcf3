/**
 * The families' chat templates render through @huggingface/jinja as transformers'
 * apply_chat_template renders them. The templates are the official text (fixtures in
 * chat-templates/, as shipped in each model's tokenizer_config.json); the expected strings are
 * written out by hand from the prompt formats the model cards document:
 *   Llama 3.x: <|begin_of_text|>, <|start_header_id|>role<|end_header_id|>\n\n … <|eot_id|>, a system
 *     header that always carries "Cutting Knowledge Date" and "Today Date" (today, via strftime_now);
 *   Qwen2.5: ChatML, with "You are Qwen, created by Alibaba Cloud. You are a helpful assistant." as
 *     the system prompt when none is given;
 *   Qwen3: ChatML without a default system prompt; enable_thinking=false appends an empty
 *     <think>\n\n</think>\n\n; earlier turns' thinking is dropped from the history;
 *   Mixtral-8x7B-Instruct-v0.1: "<s> [INST] Instruction [/INST] Model answer</s> [INST] Follow-up
 *     instruction [/INST]" (the card shows token boundaries as spaces: in the text, [INST] follows
 *     <s> and </s> directly, and the answer follows [/INST] directly); user/assistant only, alternating.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ChatTemplate, type ChatMessage } from "../../src/chat/index.js";

const fixture = (name: string): string => readFileSync(join(import.meta.dirname, "chat-templates", name), "utf8");
const LLAMA3 = new ChatTemplate(fixture("llama-3.2-instruct.jinja"), { bosToken: "<|begin_of_text|>", eosToken: "<|eot_id|>" });
const QWEN25 = new ChatTemplate(fixture("qwen2.5-instruct.jinja"), { eosToken: "<|im_end|>" });
const QWEN3 = new ChatTemplate(fixture("qwen3.jinja"), { eosToken: "<|im_end|>" });
const MIXTRAL = new ChatTemplate(fixture("mixtral-8x7b-instruct-v0.1.jinja"), { bosToken: "<s>", eosToken: "</s>" });

const user = (content: string): ChatMessage => ({ role: "user", content });
const assistant = (content: string): ChatMessage => ({ role: "assistant", content });
const system = (content: string): ChatMessage => ({ role: "system", content });
/** Today as Python's strftime("%d %b %Y") writes it (C locale). */
function today(): string {
  const d = new Date();
  const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  return `${String(d.getDate()).padStart(2, "0")} ${months[d.getMonth()]} ${d.getFullYear()}`;
}

describe("Llama 3.2 chat template", () => {
  it("system + user, today's date from strftime_now", () => {
    const before = today();
    const got = LLAMA3.render([system("You are a helpful assistant."), user("What is the capital of France?")]);
    const date = got.includes(before) ? before : today(); // the render may straddle midnight
    expect(got).toBe(
      "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n" +
        `Cutting Knowledge Date: December 2023\nToday Date: ${date}\n\n` +
        "You are a helpful assistant.<|eot_id|>" +
        "<|start_header_id|>user<|end_header_id|>\n\nWhat is the capital of France?<|eot_id|>" +
        "<|start_header_id|>assistant<|end_header_id|>\n\n",
    );
  });

  it("no system message: the header still carries the dates; history; date_string as a variable; no generation prompt", () => {
    const got = LLAMA3.render([user("Hi"), assistant("Hello! How can I help?"), user("  Tell me a joke. ")], {
      variables: { date_string: "26 Jul 2024" },
      addGenerationPrompt: false,
    });
    expect(got).toBe(
      "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n" +
        "Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n<|eot_id|>" +
        "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>" +
        "<|start_header_id|>assistant<|end_header_id|>\n\nHello! How can I help?<|eot_id|>" +
        "<|start_header_id|>user<|end_header_id|>\n\nTell me a joke.<|eot_id|>",
    );
  });
});

describe("Qwen2.5 chat template", () => {
  it("puts in the default system prompt when none is given", () => {
    expect(QWEN25.render([user("Give me a short introduction to large language models.")])).toBe(
      "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n" +
        "<|im_start|>user\nGive me a short introduction to large language models.<|im_end|>\n" +
        "<|im_start|>assistant\n",
    );
  });

  it("uses the given system prompt, and renders the history as ChatML", () => {
    expect(QWEN25.render([system("Be brief."), user("2+2?"), assistant("4"), user("And 3+3?")])).toBe(
      "<|im_start|>system\nBe brief.<|im_end|>\n" +
        "<|im_start|>user\n2+2?<|im_end|>\n<|im_start|>assistant\n4<|im_end|>\n" +
        "<|im_start|>user\nAnd 3+3?<|im_end|>\n<|im_start|>assistant\n",
    );
  });
});

describe("Qwen3 chat template", () => {
  it("no default system prompt; thinking on by default (the model opens <think> itself)", () => {
    expect(QWEN3.render([user("Hello")])).toBe("<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n");
    expect(QWEN3.render([user("Hello")], { variables: { enable_thinking: true } })).toBe("<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n");
  });

  it("enable_thinking=false appends an empty think block", () => {
    expect(QWEN3.render([system("Be brief."), user("Hello")], { variables: { enable_thinking: false } })).toBe(
      "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n",
    );
  });

  it("drops an earlier turn's thinking from the history", () => {
    const got = QWEN3.render([user("2+2?"), assistant("<think>\nTwo and two.\n</think>\n\n4"), user("Times 3?")]);
    expect(got).toBe("<|im_start|>user\n2+2?<|im_end|>\n<|im_start|>assistant\n4<|im_end|>\n<|im_start|>user\nTimes 3?<|im_end|>\n<|im_start|>assistant\n");
  });

  it("keeps the thinking of the last assistant turn after the last query", () => {
    const got = QWEN3.render([user("2+2?"), assistant("<think>\nTwo and two.\n</think>\n\n4")], { addGenerationPrompt: false });
    expect(got).toBe("<|im_start|>user\n2+2?<|im_end|>\n<|im_start|>assistant\n<think>\nTwo and two.\n</think>\n\n4<|im_end|>\n");
  });
});

describe("Mixtral-8x7B-Instruct chat template", () => {
  it("[INST] … [/INST] turns, answers closed by </s>; no generation header to add", () => {
    expect(MIXTRAL.render([user("Instruction"), assistant("Model answer"), user("Follow-up instruction")])).toBe(
      "<s>[INST] Instruction [/INST]Model answer</s>[INST] Follow-up instruction [/INST]",
    );
  });

  it("refuses a system message and turns that do not alternate (raise_exception)", () => {
    expect(() => MIXTRAL.render([system("Be brief."), user("Hi")])).toThrow("Conversation roles must alternate");
    expect(() => MIXTRAL.render([user("Hi"), user("Hi again")])).toThrow("Conversation roles must alternate");
  });
});

describe("render variables", () => {
  it("withVariables passes them to every render; a render's own variables win", () => {
    const noThink = QWEN3.withVariables({ enable_thinking: false });
    expect(noThink.render([user("Hello")])).toBe("<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n");
    expect(noThink.render([user("Hello")], { variables: { enable_thinking: true } })).toBe("<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n");
    expect(QWEN3.render([user("Hello")])).toBe("<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n"); // the original is unchanged
    expect(() => QWEN3.withVariables({ bos_token: "x" })).toThrow('the variable "bos_token" is set by the renderer');
  });

  it("tools and documents are null unless given, as transformers passes them", () => {
    const probe = new ChatTemplate("{% if tools is defined and tools is none %}n{% endif %}{% if documents is defined %}d{% endif %}{% if tools %}{{ tools | length }}{% endif %}");
    expect(probe.render([user("x")])).toBe("nd");
    expect(probe.render([user("x")], { variables: { tools: [{ type: "function" }] } })).toBe("d1");
  });

  it("refuses a variable that would replace the renderer's own", () => {
    expect(() => QWEN3.render([user("x")], { variables: { messages: [] } })).toThrow('the variable "messages" is set by the renderer');
    expect(() => LLAMA3.render([user("x")], { variables: { strftime_now: () => "" } })).toThrow('the variable "strftime_now" is set by the renderer');
  });
});
