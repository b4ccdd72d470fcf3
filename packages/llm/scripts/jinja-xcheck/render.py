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
    "phi-3.5-mini-instruct": ("phi-3.5-mini-instruct.jinja", "<s>", "<|endoftext|>", "ggerganov/llama.cpp models/templates/microsoft-Phi-3.5-mini-instruct.jinja @7b5e080", {}),
    "mistral-small-3.1-24b-instruct-2503": ("mistral-small-3.1-24b-instruct-2503.jinja", "<s>", "</s>", "ggml-org/llama.cpp models/templates/mistralai-Mistral-Small-3.1-24B-Instruct-2503.jinja @9190da2", {}),
    "mistral-nemo-instruct-2407": ("mistral-nemo-instruct-2407.jinja", "<s>", "</s>", "ggerganov/llama.cpp models/templates/mistralai-Mistral-Nemo-Instruct-2407.jinja @7b5e080", {}),
    "deepseek-r1-distill-qwen-32b": ("deepseek-r1-distill-qwen-32b.jinja", "<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>", "ggml-org/llama.cpp models/templates/deepseek-ai-DeepSeek-R1-Distill-Qwen-32B.jinja @20bdc4f", {}),
}


def msg(role, content):
    return {"role": role, "content": content}


TRICKY = 'He said "hi" and \'bye\'.\nSecond line\twith a tab; ünïcödé ✓ 日本語 🙂; braces {{ x }} {% raw %}; trailing space  '
THINKING = "<think>\nTwo and two make four.\n</think>\n\n4"
# OpenAI-style tool definitions, passed as the `tools` keyword (mini: the `tools` variable).
TOOLS = [{"type": "function", "function": {
    "name": "get_weather", "description": "Weather in a city (°C) — use for <any> \"quoted\" place & more",
    "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": "e.g. Zürich"},
                   "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}}, "required": ["city"]}}}]
TOOL_TEMPLATES = ["llama-3.2-instruct", "qwen2.5-instruct", "qwen3", "mistral-small-3.1-24b-instruct-2503", "mistral-nemo-instruct-2407"]
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
    "tool definitions": ([msg("user", "Weather in Zürich?")], True, {"tools": TOOLS}, TOOL_TEMPLATES),
    "tool definitions with a system message": (
        [msg("system", "Be brief."), msg("user", "Weather in Zürich?")], True, {"tools": TOOLS}, TOOL_TEMPLATES),
    "date_string given": ([msg("user", "Hello")], True, {"date_string": "03 Dec 2026"}, ["llama-3.2-instruct"]),
}

# Small templates that isolate what real templates lean on: the render context HF sets up, its
# tojson, trim_blocks/lstrip_blocks, loop controls, namespace, macros, filters, tests, and how
# Python prints values. Rendered on PROBE_MESSAGES with bos "<s>", eos "</s>", no generation prompt.
PROBE_MESSAGES = [msg("system", "Be brief."), msg("user", " hello wörld 🙂 "), msg("assistant", "Hi!")]
PROBES = {
    "tools/documents passed as None": "{% if tools is defined %}d{% endif %}{% if tools is none %}n{% endif %}{% if documents is defined %}D{% endif %}{% if tools %}T{% endif %}",
    "undefined variable is falsy and prints empty": "[{{ nothing }}]{% if not nothing %}f{% endif %}{% if nothing is defined %}d{% endif %}",
    "tojson defaults": "{{ {'a': 'ü<&>\"', 'b': [1, 2.5, true, none]} | tojson }}",
    "tojson indent": "{{ {'a': [1, {'b': 'ü'}]} | tojson(indent=2) }}",
    "tojson sort_keys and separators": "{{ {'b': 1, 'a': 2} | tojson(sort_keys=true) }}|{{ [1, 2] | tojson(separators=(',', ':')) }}",
    "trailing newline of the source": "{{ bos_token }}x\n",
    "trim_blocks and lstrip_blocks": "A\n  {% if true %}\n  B\n  {% endif %}\n{% for m in messages %}\n    {{ m.role }}\n{% endfor %}\nC",
    "loop controls": "{% for m in messages %}{% if m.role == 'system' %}{% continue %}{% endif %}{% if m.role == 'assistant' %}{% break %}{% endif %}{{ m.role }}{% endfor %}",
    "loop variables": "{% for m in messages %}{{ loop.index0 }}{{ loop.index }}{% if loop.first %}F{% endif %}{% if loop.last %}L{% endif %}{{ loop.revindex0 }}{{ loop.length }} {% endfor %}",
    "namespace across loop": "{% set ns = namespace(n=0, last='') %}{% for m in messages %}{% set ns.n = ns.n + 1 %}{% set ns.last = m.role %}{% endfor %}{{ ns.n }} {{ ns.last }}",
    "macro": "{% macro turn(role, text='-') %}<{{ role }}:{{ text | trim }}>{% endmacro %}{% for m in messages %}{{ turn(m.role, m.content) }}{% endfor %}{{ turn('x') }}",
    "string filters": "{% set c = ' hello world ' %}[{{ c | trim }}][{{ c | capitalize }}][{{ c | title }}][{{ c | upper }}][{{ 'ABC' | lower }}][{{ c | length }}][{{ c | replace('l', 'L') }}]",
    "title on non-ASCII letters": "{{ messages[1].content | title }}",
    "length counts code points": "{{ messages[1].content | length }}",
    "string methods": "{% set c = messages[1].content %}[{{ c.strip() }}][{{ c.lstrip() }}][{{ c.rstrip() }}][{{ c.split('l') | join('/') }}][{{ c.strip().split(' ')[-1] }}]{% if c.strip().startswith('hel') %}S{% endif %}{% if c.strip().endswith('🙂') %}E{% endif %}",
    "list filters": "{{ messages | map(attribute='role') | join(',') }}|{{ messages | selectattr('role', 'equalto', 'user') | list | length }}|{{ (messages | first).role }}|{{ (messages | last).role }}|{{ messages[1:] | length }}|{{ messages[-1]['role'] }}",
    "tests": "{% if messages[0].content is string %}s{% endif %}{% if messages is iterable %}i{% endif %}{% if messages[0] is mapping %}m{% endif %}{% if 3 is number %}n{% endif %}{% if none is none %}N{% endif %}",
    "test with an argument (divisibleby)": "{% if 4 is divisibleby(2) %}y{% endif %}",
    "printing booleans": "{{ true }}|{{ false }}|{{ 1 == 1 }}",
    "printing none": "[{{ none }}]",
    "arithmetic": "{{ 3 / 2 }}|{{ 7 // 2 }}|{{ 7 % 3 }}|{{ 2 * 3 }}|{{ 1 + 2 }}",
    "printing whole floats": "{{ 4 / 2 }}|{{ 1.0 }}",
    "printing lists and dicts": "{{ [1, 'a'] }}|{{ {'k': 'v'} }}",
    "string repetition": "{{ 'ab' * 2 }}",
    "inline if without else": "[{{ 'yes' if false }}][{{ 'a' ~ 1 }}]",
    "dict items and dictsort": "{% for k, v in {'b': 1, 'a': 2}.items() %}{{ k }}={{ v }};{% endfor %}{% for k, v in {'b': 1, 'a': 2} | dictsort %}{{ k }}={{ v }};{% endfor %}",
    "default and get": "{{ nothing | default('dflt') }}|{{ messages[0].get('name', 'anon') }}|{% if messages[0].name is defined %}d{% else %}u{% endif %}",
    "backslash-newline in a string literal": "{{ 'one \\\ntwo' }}|{% set s = \"a\\\nb\" %}{{ s }}",
    "escaped backslash before a newline in a string": "{{ 'x\\\\\ny' }}",
    "backslash-newline in text and comments": "a\\\nb{# c\\\nd #}{{ 'e' }}",
    "generation block (HF's AssistantTracker)": "a{% generation %}{{ messages[2].content }}{% endgeneration %}b",
    "whitespace control": "{%- for m in messages -%}\n  {{- m.role -}}  \n{%- endfor -%}\n  [{{- ' x ' -}}]",
    "messages | tojson": "{{ messages | tojson }}",
    "string % formatting": "{{ '%s=%d' % ('a', 1) }}",
    "string slicing": "{{ 'abcdef'[::-1] }}|{{ 'abcdef'[1:3] }}|{{ 'abcdef'[-2:] }}",
    "and/or values": "{{ messages | length > 0 and 'y' or 'n' }}|{{ '' or 'dflt' }}",
    "set block and filter block": "{% set x %}in{{ 'ner' }}{% endset %}{{ x }}|{% filter upper %}hi{% endfilter %}",
    "range": "{% for i in range(3) %}{{ i }}{% endfor %}|{% for i in range(1, 7, 2) %}{{ i }}{% endfor %}",
    "str.format": "{{ '{} and {}'.format('a', 1) }}",
    "loop.cycle": "{% for m in messages %}{{ loop.cycle('odd', 'even') }} {% endfor %}",
    "in operator": "{% if 'ell' in 'hello' %}s{% endif %}{% if 'user' in messages | map(attribute='role') %}l{% endif %}{% if 'role' in messages[0] %}d{% endif %}",
    "raise_exception": "{% if messages[0].role == 'system' %}{{ raise_exception('No system messages, please.') }}{% endif %}",
}

# The local time every render happens at (strftime_now), so templates that print today's date can be compared.
NOW = datetime(2026, 12, 3, 15, 4, 5)
# strftime_now(format) is datetime.now().strftime(format): Python's C locale, glibc's directives.
# Recorded for fixed local times, so mini's strftime can be compared on the same ones.
STRFTIME_DATES = [(2026, 1, 5, 7, 8, 9), (2026, 12, 3, 15, 4, 5), (2024, 2, 29, 0, 0, 0), (2023, 7, 9, 12, 30, 59)]
STRFTIME_FORMATS = ["%d %b %Y", "%B %d, %Y", "%Y-%m-%d", "%d %B %Y", "%a %A %h", "%e|%-d|%-m|%-H", "%y %I %p %j %w %u %F", "%H:%M:%S", "%Q %% %"]


class AssistantTracker(jinja2.ext.Extension):
    """HF's {% generation %} … {% endgeneration %} block: renders its body (HF also records where)."""

    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(("name:endgeneration",), drop_needle=True)
        return jinja2.nodes.CallBlock(self.call_method("_generation_support"), [], [], body).set_lineno(lineno)

    def _generation_support(self, caller):
        return caller()


def compile_template(source):
    """transformers' _compile_jinja_template: the environment, tojson filter and globals HF uses."""

    def raise_exception(message):
        raise jinja2.exceptions.TemplateError(message)

    def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        # HF's own tojson: unlike jinja2's built-in it does not HTML-escape, and keeps unicode.
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

    def strftime_now(fmt):
        return NOW.strftime(fmt)  # HF: datetime.now(); fixed here (the test fixes mini's clock to NOW too)

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[AssistantTracker, jinja2.ext.loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    return env.from_string(source)


def render(compiled, messages, add_generation_prompt, special_tokens, variables):
    """render_jinja_template: tools and documents are always passed (None when not given)."""
    context = {"tools": None, "documents": None, **special_tokens, **variables}
    return compiled.render(messages=messages, add_generation_prompt=add_generation_prompt, **context)


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
    probes = []
    for name, source in PROBES.items():
        probe = {"name": name, "source": source}
        try:
            probe["output"] = render(compile_template(source), PROBE_MESSAGES, False, {"bos_token": "<s>", "eos_token": "</s>"}, {})
        except Exception as e:  # noqa: BLE001
            probe["error"] = {"type": type(e).__name__, "message": str(e)}
        probes.append(probe)
    strftime = [{"date": list(d), "format": f, "output": datetime(*d).strftime(f)} for d in STRFTIME_DATES for f in STRFTIME_FORMATS]
    doc = {
        "generator": "packages/llm/scripts/jinja-xcheck/render.py (generated; do not edit)",
        "jinja2": jinja2.__version__,
        "python": sys.version.split()[0],
        "now": [NOW.year, NOW.month, NOW.day, NOW.hour, NOW.minute, NOW.second],
        "templates": templates,
        "cases": cases,
        "probe_messages": PROBE_MESSAGES,
        "probes": probes,
        "strftime": strftime,
    }
    OUT.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    errors = sum(1 for c in cases if "error" in c)
    print(f"{OUT.name}: {len(cases)} cases over {len(templates)} templates, {errors} raised")


if __name__ == "__main__":
    main()
