/**
 * The Run page in Debian's chromium: the bundled story model's greedy continuation of a reference
 * prompt is the same token ids as @mini/llm in Node — on the cross-origin isolated page with the
 * kernel pool's Web Workers (2 threads, kernel calls actually split), and on a page served without
 * isolation (1 thread, nothing split); a link with every setting reproduces a sampled generation;
 * bad settings are refused with a line naming the field.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateAll, loadTokenizer } from "@mini/llm";
import { loadModelDir } from "@mini/llm/models";
import { launchChromium, startSite, type Site } from "./helpers.js";

const SHARED = process.env["MINI_SHARED"]!;
const STORY = join(SHARED, "models", "story");
const fixture = JSON.parse(readFileSync(join(SHARED, "reference", "story", "prompt_02.json"), "utf8")) as { prompt: string };

let site: Site;
let plainSite: Site;
let browser: Browser;
const pageErrors: string[] = [];

beforeAll(async () => {
  site = await startSite();
  plainSite = await startSite(["--no-isolation"]);
  browser = await launchChromium();
}, 300_000);
afterAll(async () => {
  await browser?.close();
  await site?.close();
  await plainSite?.close();
});

async function open(query: Record<string, string>, on: Site = site): Promise<Page> {
  const page = await browser.newPage();
  page.on("pageerror", (e) => pageErrors.push(e.message));
  await page.goto(`${on.url}?${new URLSearchParams(query)}`);
  return page;
}

async function runToEnd(query: Record<string, string>, on: Site = site): Promise<{ text: string; ids: number[]; page: Page }> {
  const page = await open({ page: "run", model: "story", run: "1", ...query }, on);
  await page.waitForSelector("[data-testid=output][data-state=done]", { timeout: 120_000 });
  const text = (await page.textContent("[data-testid=output]")) ?? "";
  const ids = ((await page.getAttribute("[data-testid=output]", "data-ids")) ?? "").split(",").filter((s) => s !== "").map(Number);
  return { text, ids, page };
}

describe("Run page (chromium)", () => {
  it.each([
    ["cross-origin isolated, 2 threads", () => site, { threads: "2" }, "2"],
    ["not isolated, 1 thread", () => plainSite, {}, "1"],
  ] as const)("greedy continuation of a story fixture equals Node's (ids and text): %s", async (_, on, extra, threads) => {
    const max = 60;
    const { text, ids, page } = await runToEnd({ prompt: fixture.prompt, temperature: "0", max_new_tokens: String(max), ...extra }, on());
    const loaded = await loadModelDir(STORY);
    const tokenizer = await loadTokenizer(STORY);
    const node = generateAll(loaded.model, tokenizer.encode(fixture.prompt), { maxNewTokens: max, stopIds: loaded.eosTokenIds });
    expect(ids).toEqual(node.ids);
    expect(ids.length).toBeGreaterThan(10);
    expect(text).toBe(tokenizer.decode(tokenizer.encode(fixture.prompt).concat(node.ids), { skipSpecialTokens: true }).slice(fixture.prompt.length));
    expect(await page.getAttribute("[data-testid=status]", "data-threads")).toBe(threads);
    // With the pool's Web Workers running, kernel calls were really split across them.
    const split = Number(await page.getAttribute("[data-testid=stats]", "data-split-calls"));
    if (threads === "1") expect(split).toBe(0);
    else expect(split).toBeGreaterThan(0);
    expect(await page.textContent("[data-testid=stats]")).toMatch(/tok\/s/);
    expect(pageErrors).toEqual([]);
    await page.close();
  });

  it("a link reproduces a sampled generation (same seed, same ids; another seed, other ids)", async () => {
    const q = { prompt: "The dog", temperature: "1", top_k: "40", top_p: "0.9", max_new_tokens: "30" };
    const a = await runToEnd({ ...q, seed: "7" });
    const b = await runToEnd({ ...q, seed: "7" });
    const c = await runToEnd({ ...q, seed: "8" });
    expect(a.ids).toEqual(b.ids);
    expect(a.ids).not.toEqual(c.ids);
    for (const r of [a, b, c]) await r.page.close();
  });

  it("refuses a bad setting with one line naming it, before loading anything", async () => {
    const page = await open({ page: "run", model: "story", run: "1", top_p: "1.5" });
    await page.waitForSelector("[data-testid=error]:not([hidden])");
    expect(await page.textContent("[data-testid=error]")).toBe('top_p: expected a number in (0, 1], got "1.5"');
    expect(await page.getAttribute("[data-testid=output]", "data-state")).toBe("error");
    await page.close();
  });

  // A number input given text, or a select given an option it lacks, holds "": the link's own
  // text is quoted, and nothing runs with a default in its place (threads=abc used to mean every core).
  it.each([
    [{ temperature: "abc" }, 'temperature: expected a number ≥ 0, got "abc"'],
    [{ threads: "abc" }, 'threads: expected an integer from 1 to 256, got "abc"'],
    [{ model: "nope" }, 'model: expected "story" or "folder", got "nope"'],
    [{ mode: "talk" }, 'mode: expected "generate" or "chat", got "talk"'],
  ])("refuses a link value its field cannot hold, quoting it: %o", async (bad, message) => {
    const page = await open({ page: "run", model: "story", run: "1", ...bad });
    await page.waitForSelector("[data-testid=error]:not([hidden])");
    expect(await page.textContent("[data-testid=error]")).toBe(message);
    expect(await page.getAttribute("[data-testid=output]", "data-state")).toBe("error");
    await page.close();
  });
});
