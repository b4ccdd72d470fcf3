#!/usr/bin/python3
"""
Outside reference for chat-template rendering: renders the chat-template fixtures of
packages/llm/test/families/chat-templates/ the way transformers' apply_chat_template does
(utils/chat_template_utils.py: _compile_jinja_template + render_jinja_template), with Python's
jinja2, on a fixed set of conversations, and writes the results to hf-renders.json next to the
templates. packages/llm/test/families/chat-templates-xcheck.test.ts renders the same cases with
mini's ChatTemplate and requires the same text (or an error where jinja2 raised).

Needs Debian's python3-jinja2 (`apt-get install -y python3-jinja2`; run with /usr/bin/python3).
Not run in CI: the JSON it writes is committed, generated, never edited by hand.

    /usr/bin/python3 packages/llm/scripts/jinja-xcheck/render.py
"""
import json
import sys
from datetime import datetime
from pathlib import Path

import jinja2
import jinja2.ext
from jinja2.sandbox import ImmutableSandboxedEnvironment

FIXTURES = Path(__file__).resolve().parents[2] / "test" / "families" / "chat-templates"
OUT = FIXTURES / "hf-renders.json"

# name → (file, special tokens as the model's tokenizer_config.json has them (None: not set, so
# the template sees it undefined, as in HF), where the text comes from, extra template variables).
# Llama 3.x always gets date_string, so the fixture does not depend on today's date.
TEMPLATES = {
    "llama-3.2-instruct": ("llama-3.2-instruct.jinja", "<|begin_of_text|>", "<|eot_id|>", "meta-llama/Llama-3.2-1B-Instruct tokenizer_config.json", {"date_string": "26 Jul 2024"}),
    "qwen2.5-instruct": ("qwen2.5-instruct.jinja", None, "<|im_end|>", "Qwen/Qwen2.5-*-Instruct tokenizer_config.json", {}),
    "qwen3": ("qwen3.jinja", None, "<|im_end|>", "Qwen/Qwen3-* tokenizer_config.json", {}),
    "mixtral-8x7b-instruct-v0.1": ("mixtral-8x7b-instruct-v0.1.jinja", "<s>", "</s>", "mistralai/Mixtral-8x7B-Instruct-v0.1 tokenizer_config.json", {}),
    "mistral-7b-instruct-v0.1": ("mistral-7b-instruct-v0.1.jinja", "<s>", "</s>", "huggingface/huggingface.js packages/jinja/test/e2e.test.js (TheBloke/Mistral-7B-Instruct-v0.1-GPTQ)", {}),
    "zephyr-7b-beta": ("zephyr-7b-beta.jinja", "<s>", "</s>", "huggingface/huggingface.js packages/jinja/test/e2e.test.js (HuggingFaceH4/zephyr-7b-beta; TinyLlama-1.1B-Chat-v1.0 ships the same text)", {}),
    "gemma-2-it": ("gemma-2-it.jinja", "<bos>", "<eos>", "google/gemma-2-*-it tokenizer_config.json, as quoted in a public OpenRLHF SFT script for gemma-2-2b", {}),
    "smollm2-instruct": ("smollm2-instruct.jinja", "<|im_start|>", "<|im_end|>", "HuggingFaceTB/SmolLM2-*-Instruct (GGUF tokenizer.chat_template, as quoted verbatim in public tests)", {}),
    "phi-3.5-mini-instruct": ("phi-3.5-mini-instruct.jinja", "<s>", "<|endoftext|>", "microsoft/Phi-3.5-mini-instruct tokenizer_config.json, as quoted in public code (PHI3_5_CHAT_TEMPLATE)", {}),
    "deepseek-r1-distill-qwen-32b": ("deepseek-r1-distill-qwen-32b.jinja", "<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>", "ggml-org/llama.cpp models/templates/deepseek-ai-DeepSeek-R1-Distill-Qwen-32B.jinja @20bdc4f", {}),
}


def msg(role, content):
    return {"role": role, "content": content}


TRICKY = 'He said "hi" and \'bye\'.\nSecond line\twith a tab; ünïcödé ✓ 日本語 🙂; braces {{ x }} {% raw %}; trailing space  '
THINKING = "<think>\nTwo and two make four.\n</think>\n\n4"
# kind → (messages, add_generation_prompt, extra variables, templates it applies to or None for all)
CONVERSATIONS = {
    "system+user": ([msg("system", "You are a helpful assistant."), msg("user", "What is the capital of France?")], True, {}, None),
    "user": ([msg("user", "Hello")], True, {}, None),
    "user, no generation prompt": ([msg("user", "Hello")], False, {}, None),
    "multi-turn": ([msg("user", "Hi"), msg("assistant", "Hello! How can I help?"), msg("user", "  Tell me a joke. ")], True, {}, None),
    "multi-turn ending with assistant, no generation prompt": (
        [msg("system", "Be brief."), msg("user", "2+2?"), msg("assistant", "4"), msg("user", "Times 3?"), msg("assistant", "12")], False, {}, None),
    "tricky text": ([msg("user", TRICKY)], True, {}, None),
    "empty system message": ([msg("system", ""), msg("user", "Hello")], True, {}, None),
    "content as text parts": (
        [msg("user", [{"type": "text", "text": "Hello "}, {"type": "text", "text": "there "}])], True, {}, None),
    # What mini's OpenAI server hands the template for the case above: the text parts joined.
    "content as text parts, joined": ([msg("user", "Hello there ")], True, {}, None),
    "two user turns in a row": ([msg("user", "Hi"), msg("user", "Hi again")], True, {}, None),
    "assistant with thinking in history": ([msg("user", "2+2?"), msg("assistant", THINKING), msg("user", "Times 3?")], True, {}, None),
    "last assistant with thinking, no generation prompt": ([msg("user", "2+2?"), msg("assistant", THINKING)], False, {}, None),
    "enable_thinking false": ([msg("system", "Be brief."), msg("user", "Hello")], True, {"enable_thinking": False}, ["qwen3"]),
    "enable_thinking true": ([msg("user", "Hello")], True, {"enable_thinking": True}, ["qwen3"]),
    "date_string given": ([msg("user", "Hello")], True, {"date_string": "03 Dec 2026"}, ["llama-3.2-instruct"]),
}


def compile_template(source):
    """transformers' _compile_jinja_template: the environment, tojson filter and globals HF uses."""

    def raise_exception(message):
        raise jinja2.exceptions.TemplateError(message)

    def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        # HF's own tojson: unlike jinja2's built-in it does not HTML-escape, and keeps unicode.
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

    def strftime_now(fmt):
        return datetime.now().strftime(fmt)

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[jinja2.ext.loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    return env.from_string(source)


def render(compiled, messages, add_generation_prompt, special_tokens, variables):
    """render_jinja_template: tools and documents are always passed (None when not given)."""
    return compiled.render(
        messages=messages,
        tools=None,
        documents=None,
        add_generation_prompt=add_generation_prompt,
        **special_tokens,
        **variables,
    )


def main():
    cases = []
    templates = {}
    for name, (file, bos, eos, source, template_vars) in TEMPLATES.items():
        special = {k: v for k, v in (("bos_token", bos), ("eos_token", eos)) if v is not None}
        templates[name] = {"file": file, "source": source, **special}
        compiled = compile_template((FIXTURES / file).read_text(encoding="utf-8"))
        for kind, (messages, gen, conv_vars, only) in CONVERSATIONS.items():
            if only is not None and name not in only:
                continue
            variables = {**template_vars, **conv_vars}
            case = {"template": name, "kind": kind, "messages": messages, "add_generation_prompt": gen, "variables": variables}
            try:
                case["output"] = render(compiled, messages, gen, special, variables)
            except Exception as e:  # noqa: BLE001 - any render error is the reference's answer
                case["error"] = {"type": type(e).__name__, "message": str(e)}
            cases.append(case)
    doc = {
        "generator": "packages/llm/scripts/jinja-xcheck/render.py (generated; do not edit)",
        "jinja2": jinja2.__version__,
        "python": sys.version.split()[0],
        "templates": templates,
        "cases": cases,
    }
    OUT.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    errors = sum(1 for c in cases if "error" in c)
    print(f"{OUT.name}: {len(cases)} cases over {len(templates)} templates, {errors} raised")


if __name__ == "__main__":
    main()
