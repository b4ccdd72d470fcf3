/**
 * chat_template.jinja beside tokenizer_config.json: transformers (tokenization_utils_base
 * from_pretrained: "independent chat template file(s) … take priority over template entries in the
 * tokenizer config") renders that file's template; so must every loader here.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CHAT_TEMPLATE_FILE, loadTokenizer, loadTokenizerSync, tokenizerFromJson } from "../../src/tokenizers/hf/load.js";
import { MODELS } from "./helpers.js";

const SHARED = join(MODELS, "chat-tokenizer");
const SIDECAR = "{% for m in messages %}[{{ m.role }}] {{ m.content }}\n{% endfor %}";
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A copy of the shared chat tokenizer's files (its tokenizer_config.json has a chat_template), plus `extra`. */
function tokenizerDir(extra: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), "mini-chat-template-file-"));
  dirs.push(dir);
  for (const f of ["tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"]) copyFileSync(join(SHARED, f), join(dir, f));
  for (const [f, text] of Object.entries(extra)) writeFileSync(join(dir, f), text);
  return dir;
}

describe("chat_template.jinja", () => {
  it("without it, the template is tokenizer_config.json's", () => {
    const t = loadTokenizerSync(tokenizerDir());
    expect(t.chatTemplate).toBeDefined();
    expect(t.chatTemplate).not.toBe(SIDECAR);
  });

  it("with it, its text wins over tokenizer_config.json's, in the async and sync loaders", async () => {
    const dir = tokenizerDir({ [CHAT_TEMPLATE_FILE]: SIDECAR });
    expect(loadTokenizerSync(dir).chatTemplate).toBe(SIDECAR);
    expect((await loadTokenizer(dir)).chatTemplate).toBe(SIDECAR);
  });

  it("tokenizerFromJson takes its contents as chatTemplateFile", () => {
    const dir = tokenizerDir();
    const json = JSON.parse(readFileSync(join(dir, "tokenizer.json"), "utf8"));
    expect(tokenizerFromJson(json, { chat_template: "x" }, { chatTemplateFile: SIDECAR }).chatTemplate).toBe(SIDECAR);
    expect(tokenizerFromJson(json, { chat_template: "x" }).chatTemplate).toBe("x");
  });
});
