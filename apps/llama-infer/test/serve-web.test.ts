/**
 * The chat page in a real browser: Debian's chromium (installed by .ci/run with apt-get; never
 * downloaded) driven by playwright-core. Open `/`, send a message and watch the answer stream in,
 * send a second turn (answered from the cache), regenerate the last answer (its prompt from the cache); a
 * conversation longer than the model's 512-token context (old turns dropped, said so, no stop
 * marker in any answer); an error in place of the answer, and Retry.
 */
import { existsSync } from "node:fs";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assistant, loadStory, referenceChat, serve, slowModel, user, type Story, type TestServer } from "./serve-helpers.js";

const CHROMIUM = "/usr/bin/chromium";
const MAX = 20;

let story: Story;
let server: TestServer;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  // Not a skip: CI installs chromium, so a missing one is a broken setup.
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install chromium) to run the web page test`);
  story = await loadStory();
  // 2 ms per forward: an answer takes ~40 ms, long enough to be seen arriving in pieces.
  server = await serve(story, { model: slowModel(story.model, 2), maxSessions: 2 });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  page = await browser.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(`${server.url}/`);
  await page.waitForSelector("body[data-ready='true']");
  expect(errors).toEqual([]);
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** Types a message, sends it, and waits for the answer to finish; returns the answer's text updates. */
async function send(text: string): Promise<number> {
  await page.fill("#input", text);
  await countUpdates();
  await page.click("#send");
  return finishAnswer();
}

/**
 * Starts counting changes inside assistant bubbles (window.__updates). Browser code as a string:
 * this project's TypeScript has no DOM types.
 */
async function countUpdates(): Promise<void> {
  await page.evaluate(`(() => {
    window.__updates = 0;
    window.__observer?.disconnect();
    window.__observer = new MutationObserver((records) => {
      for (const r of records) {
        const el = r.target.nodeType === 1 ? r.target : r.target.parentElement;
        if (el?.closest(".msg.assistant")) window.__updates++;
      }
    });
    window.__observer.observe(document.getElementById("messages"), { subtree: true, childList: true, characterData: true });
  })()`);
}

/** The page marks itself busy inside the click handler, so after a click this waits for the answer's end. */
async function finishAnswer(): Promise<number> {
  await page.waitForSelector("body[data-busy='false']");
  return (await page.evaluate("window.__updates")) as number;
}

/** The texts of the user or assistant bubbles (their first child is the text, then the buttons). */
const bubbles = (role: string) => page.$$eval(`.msg.${role}`, (els) => els.map((e) => e.firstChild?.textContent ?? ""));
const stats = () => page.textContent("#stats");

describe("the chat page (chromium)", () => {
  it("streams an answer, answers a second turn from the cache, regenerates the last answer", async () => {
    await page.fill("#temperature", "0");
    await page.fill("#max-tokens", String(MAX));

    const first = "Tell me a story about a kind dragon.";
    const updates = await send(first);
    expect(updates).toBeGreaterThan(2); // the answer arrived in several pieces
    const [a1] = await bubbles("assistant");
    expect(a1).toBe(referenceChat(story, [user(first)], MAX));
    // "– tok/s" when the whole answer reached the page in one read (a browser the OS did not run for
    // the ~40 ms of the answer): first and last token then fall on the same tick of its 100 µs clock.
    expect(await stats()).toMatch(/\d+ tokens · (?:[\d.]+|–) tok\/s · first token \d+ ms · prompt \d+ tokens \(0 cached\)/);

    const second = "What did the dragon eat?";
    await send(second);
    const turn2 = [user(first), assistant(a1!), user(second)];
    expect(await bubbles("user")).toEqual([first, second]);
    const answers = await bubbles("assistant");
    expect(answers.length).toBe(2);
    expect(answers[1]).toBe(referenceChat(story, turn2, MAX));
    const cached = Number(/\((\d+) cached\)/.exec((await stats()) ?? "")?.[1]);
    expect(cached).toBeGreaterThan(0);

    await server.engine.idle(); // earlier answers' deferred syncs done: they count when they retire
    const before = await server.health();
    await countUpdates();
    await page.click(".msg.assistant:last-child button.regenerate");
    await finishAnswer();
    const after = await bubbles("assistant");
    expect(after.length).toBe(2);
    expect(after[1]).toBe(answers[1]); // greedy: the same answer again
    await server.engine.idle();
    const h = await server.health();
    // Its whole prompt but the last token came from the cache.
    expect(h.pool.cachedTokens - before.pool.cachedTokens).toBe(h.pool.promptTokens - before.pool.promptTokens - 1);
    expect(h.requests.completed).toBe(3);
  });

  it("edits and resends the first turn, and starts a new chat", async () => {
    await page.click(".msg.user >> nth=0 >> button.edit");
    await page.fill(".msg.user textarea", "Tell me a story about a tiny ant.");
    await countUpdates();
    await page.click(".msg.user button.resend");
    await finishAnswer();
    expect(await bubbles("user")).toEqual(["Tell me a story about a tiny ant."]);
    const [a] = await bubbles("assistant");
    expect(a).toBe(referenceChat(story, [user("Tell me a story about a tiny ant.")], MAX));
    await page.click("#new-chat");
    expect(await page.$$(".msg")).toHaveLength(0);
  });

  it("keeps answering past the 512-token context: drops the oldest turns, says so, never shows <|end_story|>", async () => {
    await page.fill("#max-tokens", "120");
    const sent: string[] = [];
    let notices: string[] = [];
    for (let turn = 0; turn < 12 && notices.length === 0; turn++) {
      const text = `Tell me story number ${turn + 1}, about a ${["cat", "dog", "bird", "fox", "frog", "bear"][turn % 6]} who finds a red ball.`;
      sent.push(text);
      await send(text);
      notices = await page.$$eval(".msg.notice", (els) => els.map((e) => e.textContent ?? ""));
      expect(await page.$$(".msg.error")).toHaveLength(0);
    }
    // The conversation passed the context: a notice, and the first turns are gone.
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatch(/^\d+ earlier messages? (was|were) dropped to fit the model's 512-token context\.$/);
    const users = await bubbles("user");
    expect(users[0]).not.toBe(sent[0]);
    expect(users.at(-1)).toBe(sent.at(-1));
    // Two more turns after the first drop still answer.
    for (const text of ["And then what happened?", "How did the story end?"]) {
      await send(text);
      expect(await page.$$(".msg.error")).toHaveLength(0);
      expect((await bubbles("assistant")).at(-1)!.length).toBeGreaterThan(0);
    }
    const answers = await bubbles("assistant");
    expect(answers.length).toBeGreaterThan(3);
    for (const a of answers) expect(a).not.toContain("<|end_story|>");
    expect((await page.textContent("#messages")) ?? "").not.toMatch(/<\|end_story\|>|<\|im_end\|>/);
    await page.click("#new-chat");
  });

  it("shows an error where the answer would be, and Retry answers once it can", async () => {
    await page.fill("#temperature", "-1"); // refused by the server: 400 naming 'temperature'
    await page.fill("#input", "Tell me a story about a tiny ant.");
    await page.click("#send");
    await page.waitForSelector(".msg.error");
    await finishAnswer();
    expect(await page.textContent(".msg.error")).toMatch(/^Error: invalid 'temperature'/);
    expect(await page.$$(".msg.assistant")).toHaveLength(0);
    await page.fill("#temperature", "0");
    await page.click(".msg.error button.retry");
    await page.waitForSelector(".msg.assistant");
    await finishAnswer();
    expect(await page.$$(".msg.error")).toHaveLength(0);
    expect(await bubbles("assistant")).toEqual([referenceChat(story, [user("Tell me a story about a tiny ant.")], 120)]);
  });

  it("shows no API key form on a server without a key", async () => {
    expect(await page.getAttribute("#key-form", "hidden")).not.toBeNull();
    expect(await page.isVisible("#key-form")).toBe(false);
  });

  it("has a favicon", async () => {
    expect(await page.getAttribute("link[rel='icon']", "href")).toBe("/favicon.svg");
    for (const path of ["/favicon.svg", "/favicon.ico"]) {
      const r = await fetch(`${server.url}${path}`);
      expect(r.status).toBe(200);
      expect(r.headers.get("content-type")).toBe("image/svg+xml");
      expect(await r.text()).toMatch(/^<svg /);
    }
  });
});
