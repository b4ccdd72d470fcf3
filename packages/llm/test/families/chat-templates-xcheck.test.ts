/**
 * Outside check of chat-template rendering: every case of chat-templates/hf-renders.json (written
 * by packages/llm/scripts/jinja-xcheck/render.py with Python's jinja2, set up as transformers'
 * apply_chat_template sets it up) rendered with mini's ChatTemplate must give the same text, or
 * throw where jinja2 raised (with the same message when the template called raise_exception).
 * Where mini knowingly differs, the case is in KNOWN_DIFFERENCES and the difference is asserted,
 * so it cannot go away (or change) unnoticed.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { ChatTemplate, type ChatMessage } from "../../src/chat/index.js";
import { strftime } from "../../src/chat/strftime.js";

type TextPart = { type: "text"; text: string };
interface HfCase {
  template: string;
  kind: string;
  messages: { role: string; content: string | TextPart[] }[];
  add_generation_prompt: boolean;
  variables: Record<string, unknown>;
  output?: string;
  error?: { type: string; message: string };
}
interface HfRenders {
  templates: Record<string, { file: string; bos_token?: string; eos_token?: string }>;
  cases: HfCase[];
}

const dir = join(import.meta.dirname, "chat-templates");
const renders = JSON.parse(readFileSync(join(dir, "hf-renders.json"), "utf8")) as HfRenders;

/** mini's messages carry text only: list content is joined as the OpenAI server joins it. */
const miniMessages = (c: HfCase): ChatMessage[] =>
  c.messages.map((m) => ({
    role: m.role,
    content: typeof m.content === "string" ? m.content : m.content.map((p) => p.text).join(""),
  }));

/**
 * Conversation kinds where mini knowingly differs from transformers, with why. The test asserts
 * that mini renders what the reference renders for `sameAs` (and not what it renders here).
 */
const KNOWN_DIFFERENCES: Record<string, { why: string; sameAs: string; notIn: string[] }> = {
  "content as text parts": {
    why:
      "transformers hands list content to the template as is: templates that concatenate it raise " +
      "TypeError, Llama 3.2 and Gemma 2 print the Python repr of the list, Qwen3 drops it; mini's " +
      "ChatMessage holds text and its OpenAI server joins the text parts before rendering",
    sameAs: "content as text parts, joined",
    // Templates that iterate the parts themselves: transformers renders them as mini does.
    notIn: ["mistral-small-3.1-24b-instruct-2503"],
  },
};

function renderWithMini(c: HfCase): { output?: string; error?: string } {
  const meta = renders.templates[c.template]!;
  const template = new ChatTemplate(
    readFileSync(join(dir, meta.file), "utf8"),
    { bosToken: meta.bos_token, eosToken: meta.eos_token },
    meta.file,
  );
  try {
    return {
      output: template.render(miniMessages(c), {
        addGenerationPrompt: c.add_generation_prompt,
        variables: c.variables,
      }),
    };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

describe("chat templates render as transformers' apply_chat_template (Python jinja2)", () => {
  // render.py rendered at a fixed local time (its strftime_now); mini's clock is set to the same.
  beforeAll(() => {
    const [y, mo, d, h, mi, s] = (renders as unknown as { now: [number, number, number, number, number, number] }).now;
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date(y, mo - 1, d, h, mi, s));
  });
  afterAll(() => {
    vi.useRealTimers();
  });

  it("the fixture covers every template and conversation kind", () => {
    expect(Object.keys(renders.templates).length).toBeGreaterThanOrEqual(12);
    expect(renders.cases.length).toBeGreaterThanOrEqual(100);
  });

  for (const c of renders.cases) {
    const key = `${c.template} | ${c.kind}`;
    const known =
      KNOWN_DIFFERENCES[c.kind]?.notIn.includes(c.template) === false ? KNOWN_DIFFERENCES[c.kind] : undefined;
    it(key, () => {
      const got = renderWithMini(c);
      if (known !== undefined) {
        const same = renders.cases.find((o) => o.template === c.template && o.kind === known.sameAs);
        expect(same?.output).toBeDefined();
        expect(got.error).toBeUndefined();
        expect(got.output).toBe(same?.output);
        expect(got.output).not.toBe(c.output);
      } else if (c.error !== undefined) {
        expect(got.output).toBeUndefined();
        if (c.error.type === "TemplateError") expect(got.error).toContain(c.error.message);
      } else {
        expect(got.error).toBeUndefined();
        expect(got.output).toBe(c.output);
      }
    });
  }
});

interface HfProbe {
  name: string;
  source: string;
  output?: string;
  error?: { type: string; message: string };
}
const probes = renders as unknown as { probe_messages: ChatMessage[]; probes: HfProbe[] };

/**
 * Where @huggingface/jinja (0.5.x) itself renders differently from Python's jinja2 and mini cannot
 * reasonably change it (it would mean replacing the library's value printing or parser). None of
 * the real templates above hits these on text content; each is pinned: mini's output, or a
 * fragment of mini's error.
 */
const KNOWN_PROBE_DIFFERENCES: Record<string, { why: string; mini: string } | { why: string; error: string }> = {
  "title on non-ASCII letters": {
    why: "title() starts a new word after a non-ASCII letter (Python: Unicode letters)",
    mini: " Hello WöRld 🙂 ",
  },
  "length counts code points": { why: "length counts UTF-16 units, Python code points (🙂 is 2, not 1)", mini: "16" },
  "test with an argument (divisibleby)": { why: "a test with arguments does not parse", error: "does not parse" },
  "printing booleans": { why: "booleans print as JS does (true), Python prints True", mini: "true|false|true" },
  "printing none": { why: "none prints as empty, Python prints None", mini: "[]" },
  "printing lists and dicts": {
    why: "strings inside printed lists/dicts get JSON double quotes, Python repr single",
    mini: '[1, "a"]|{"k": "v"}',
  },
  "string repetition": { why: "string * integer is not supported", error: 'Unknown operator "*"' },
  "string % formatting": { why: "printf-style string % tuple is not supported", error: 'Unknown operator "%"' },
  "str.format": { why: "str.format() is not a method there", error: "Cannot call something that is not a function" },
  "loop.cycle": { why: "loop.cycle() is not supported", error: "Cannot call something that is not a function" },
};

describe("what real templates lean on renders as with transformers (small probe templates)", () => {
  for (const p of probes.probes) {
    it(p.name, () => {
      let got: { output?: string; error?: string };
      try {
        const template = new ChatTemplate(p.source, { bosToken: "<s>", eosToken: "</s>" }, `probe "${p.name}"`);
        got = { output: template.render(probes.probe_messages, { addGenerationPrompt: false }) };
      } catch (e) {
        got = { error: (e as Error).message };
      }
      const known = KNOWN_PROBE_DIFFERENCES[p.name];
      if (known !== undefined) {
        if ("error" in known) expect(got.error).toContain(known.error);
        else expect(got.output).toBe(known.mini);
        expect(got.output).not.toBe(p.output);
      } else if (p.error !== undefined) {
        expect(got.output).toBeUndefined();
        if (p.error.type === "TemplateError") expect(got.error).toContain(p.error.message);
      } else {
        expect(got.error).toBeUndefined();
        expect(got.output).toBe(p.output);
      }
    });
  }
});

describe("strftime_now formats as Python's datetime.strftime (C locale, glibc directives)", () => {
  const cases = (renders as unknown as { strftime: { date: number[]; format: string; output: string }[] }).strftime;
  it("every recorded date and format", () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
    for (const c of cases) {
      const [y, mo, d, h, mi, s] = c.date as [number, number, number, number, number, number];
      expect(`${c.format} @ ${c.date.join("-")} → ${strftime(new Date(y, mo - 1, d, h, mi, s), c.format)}`).toBe(
        `${c.format} @ ${c.date.join("-")} → ${c.output}`,
      );
    }
  });

  it("ChatTemplate's strftime_now is it, for today", () => {
    const t = new ChatTemplate("{{ strftime_now('%d %b %Y|%A') }}");
    const before = strftime(new Date(), "%d %b %Y|%A");
    const got = t.render([]);
    expect([before, strftime(new Date(), "%d %b %Y|%A")]).toContain(got); // the render may straddle midnight
  });
});
