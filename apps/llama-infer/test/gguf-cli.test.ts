/**
 * `llama-infer convert --to gguf` and `--model FILE.gguf`: the story model converted and run back
 * gives the fixtures' greedy text; the chat model's chat template travels in the file; bad GGUF
 * files and bad convert arguments are one line naming the problem.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { loadGgufModel } from "@mini/llm/models";
import { runCli } from "../src/cli.js";

const SHARED = process.env["MINI_SHARED"]!;
const STORY = `${SHARED}/models/story`;
const FIXTURES = [1, 2].map((i) => JSON.parse(readFileSync(`${SHARED}/reference/story/prompt_0${i}.json`, "utf8")));
const tmp = mkdtempSync(join(tmpdir(), "llama-infer-gguf-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await runCli(args, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    stdin: Readable.from([""]),
    interactive: false,
  });
  return { code, stdout, stderr };
}

describe("llama-infer convert --to gguf, then --model FILE.gguf", () => {
  it("f32: generate prints the fixtures' greedy continuations from the GGUF file", async () => {
    const out = join(tmp, "story-f32.gguf");
    const c = await run(["convert", "--to", "gguf", "--dtype", "f32", STORY, out]);
    expect(c.code).toBe(0);
    expect(c.stderr).toMatch(/^wrote .*story-f32\.gguf \(20 tensors, F32, [\d.]+ MB\)\nwarning: the vocabulary has no <0xXX> byte tokens: llama.cpp aborts on a character outside it \(mini encodes it as <unk>\)\n$/);
    for (const f of FIXTURES) {
      const r = await run(["generate", "--model", out, "--prompt", f.prompt, "--temperature", "0", "--max-new-tokens", String(f.greedy.ids.length)]);
      expect(r.stderr).toBe("");
      expect(r.stdout).toBe(`${f.prompt}${f.greedy.continuation_text}\n`);
    }
  });

  it("q8_0, q4_0, q4_k and q5_0 files load; the output matrix follows llama.cpp's recipe; rows that are not whole blocks are reported and written in llama-quantize's fallback type", async () => {
    for (const dtype of ["q8_0", "q4_0", "q4_k", "q5_0"]) {
      const out = join(tmp, `story-${dtype}.gguf`);
      const c = await run(["convert", "--to", "gguf", "--dtype", dtype, STORY, out]);
      expect(c.code).toBe(0);
      const loaded = loadGgufModel(out);
      const typeOf = (name: string) => loaded.gguf.tensor(name).type.name;
      const types = new Set(loaded.gguf.tensors.filter((t) => t.dims.length === 2 && t.name !== "token_embd.weight").map((t) => t.type.name));
      loaded.model.dispose();
      // the story model's tied token_embd.weight is its output matrix: Q8_0 under Q4_0 and Q4_K (128-wide rows, not whole Q6_K super-blocks)
      expect(typeOf("token_embd.weight")).toBe("Q8_0");
      if (dtype === "q4_k") {
        expect(c.stderr).toMatch(/\(20 tensors, Q4_K, the output matrix Q8_0, [\d.]+ MB\)/);
        expect(c.stderr).toMatch(/note: 14 tensor\(s\) written in llama-quantize's fallback type \(or F16\), their rows not being whole Q4_K blocks: blk.0.attn_q.weight/);
        expect([...types]).toEqual(["Q5_0"]); // rows of 128 (hidden) and 384 (ffn_down) are not 256-value super-blocks: Q4_K → Q5_0
      } else {
        const head = { q8_0: /\(20 tensors, Q8_0, [\d.]+ MB\)/, q4_0: /\(20 tensors, Q4_0, the output matrix Q8_0, /, q5_0: /\(20 tensors, Q5_0, the output matrix Q8_0, / }[dtype]!;
        expect(c.stderr).toMatch(head);
        expect(c.stderr).not.toMatch(/note:/); // the output matrix's Q8_0 is the recipe's, not a fallback
        expect([...types]).toEqual([dtype.toUpperCase()]);
      }
    }
  });

  it("bad arguments and bad files are one line naming the problem", async () => {
    const bad = join(tmp, "bad.gguf");
    writeFileSync(bad, new Uint8Array([0x47, 0x47, 0x55, 0x46, 3, 0, 0, 0, 1]));
    const cases: [string[], RegExp][] = [
      [["generate", "--model", bad, "--prompt", "hi"], /^error: .*bad\.gguf: file ends inside the tensor count \(needs 8 bytes at offset 8, 1 left\)$/],
      [["convert", "--to", "gguf", STORY, join(tmp, "x.bin")], /^error: .*x\.bin: the output file name must end in \.gguf$/],
      [["convert", "--to", "gguf", join(tmp, "nowhere"), join(tmp, "x.gguf")], /^error: .*nowhere: model directory does not exist$/],
      // GGUF back to GGUF: the input must be a directory, and the line says why.
      [["convert", "--to", "gguf", bad, join(tmp, "x.gguf")], /^error: .*bad\.gguf: is a file; convert reads a HuggingFace model directory .*a \.gguf file is GGUF already/],
    ];
    for (const [args, message] of cases) {
      const r = await run(args);
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr.trim()).toMatch(message);
    }
    const wrongType = await run(["convert", "--to", "gguf", "--dtype", "iq2_xxs", STORY, join(tmp, "x.gguf")]);
    expect(wrongType.code).not.toBe(0);
    expect(wrongType.stderr).toMatch(/argument 'iq2_xxs' is invalid\. Allowed choices are f32, f16, bf16, q8_0, q4_0, q4_k, q6_k, q4_1, q5_0, q5_1, q5_k, q3_k, q2_k, iq4_nl, iq4_xs/);
  });
});
