// @ts-check
/**
 * The chat page of `llama-infer serve`: plain DOM, no framework. The conversation lives here, in
 * `messages`; every answer is one POST /v1/chat/completions with the whole conversation, streamed
 * (SSE). The server finds the conversation's earlier turns in its KV cache by token prefix, so
 * sending everything again costs only the new tokens; regenerate and edit just send a shorter
 * or changed conversation.
 *
 * A long conversation: before each answer the page asks POST /tokenize how many tokens the
 * conversation is, and drops the oldest turns (never the system message, never the message being
 * answered) until it leaves room for min(max tokens, context / 4) new tokens, as the CLI chat
 * does; a notice in the conversation says how many messages were dropped. An error takes the
 * place of the answer, with a Retry button. With `--api-key`, the page asks for the key once
 * (kept in localStorage) and sends it as a Bearer token.
 *
 * Plain JavaScript with JSDoc types, type-checked by tsc (web/tsconfig.json, `pnpm typecheck`):
 * the file served is the file written, with no build step between them.
 */

import { errorText, serverSentEvents } from "./sse.js";

/** @typedef {{ role: "system" | "user" | "assistant", content: string }} Message */
/** @typedef {Message | { role: "notice" | "error", content: string }} Entry */
/** @typedef {{ prompt_tokens: number, completion_tokens: number, prompt_tokens_cached: number }} Usage */

/** The conversation as shown: messages, plus notices (dropped turns) and errors (never sent). @type {Entry[]} */
let messages = [];
/** @type {AbortController | null} */
let running = null;
let modelId = "";
let contextLength = 0;
const KEY_STORAGE = "llama-infer-api-key";

const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));
const field = (/** @type {string} */ id) => /** @type {HTMLInputElement} */ (document.getElementById(id));
const list = $("messages");
const input = /** @type {HTMLTextAreaElement} */ ($("input"));
const stats = $("stats");

/** The entries the model sees. @returns {Message[]} */
function conversationOf(/** @type {Entry[]} */ entries) {
  return /** @type {Message[]} */ (entries.filter((m) => m.role !== "notice" && m.role !== "error"));
}

/** fetch with the API key (if one was given) and JSON. */
function api(/** @type {string} */ path, /** @type {RequestInit} */ init = {}) {
  const key = localStorage.getItem(KEY_STORAGE);
  /** @type {Record<string, string>} */
  const headers = { "Content-Type": "application/json" };
  if (key) headers["Authorization"] = `Bearer ${key}`;
  return fetch(path, { ...init, headers });
}

/** Redraws the conversation; the last message may be `streaming` (no buttons yet). */
function render(streaming = false) {
  list.replaceChildren(
    ...messages.map((m, i) => {
      const div = document.createElement("div");
      div.className = `msg ${m.role}`;
      div.textContent = m.content;
      const last = i === messages.length - 1;
      if (m.role === "error") div.append(retryBar());
      else if (m.role !== "notice" && (running === null || !last || !streaming)) div.append(actions(m, i, last));
      return div;
    }),
  );
  list.lastElementChild?.scrollIntoView({ block: "end" });
}

/** Retry (an error in place of the answer): the same conversation again. */
function retryBar() {
  const bar = document.createElement("div");
  bar.className = "actions";
  const b = document.createElement("button");
  b.type = "button";
  b.className = "retry";
  b.textContent = "Retry";
  b.disabled = running !== null;
  b.addEventListener("click", () => {
    if (messages.at(-1)?.role === "error") messages.pop();
    void answer();
  });
  bar.append(b);
  return bar;
}

/** Edit (user turns), Regenerate (the last answer). */
function actions(/** @type {Entry} */ m, /** @type {number} */ i, /** @type {boolean} */ last) {
  const bar = document.createElement("div");
  bar.className = "actions";
  const button = (/** @type {string} */ label, /** @type {() => void} */ onClick) => {
    const b = document.createElement("button");
    b.type = "button";
    b.className = label.toLowerCase();
    b.textContent = label;
    b.disabled = running !== null;
    b.addEventListener("click", onClick);
    bar.append(b);
  };
  if (m.role === "user") button("Edit", () => edit(i));
  if (m.role === "assistant" && last) button("Regenerate", () => regenerate());
  return bar;
}

/** Replaces user message `i` by an editor; "Resend" drops everything after it and answers again. */
function edit(/** @type {number} */ i) {
  const div = /** @type {HTMLElement} */ (list.children[i]);
  const area = document.createElement("textarea");
  area.value = messages[i]?.content ?? "";
  area.rows = 3;
  const resend = document.createElement("button");
  resend.type = "button";
  resend.className = "resend";
  resend.textContent = "Resend";
  resend.addEventListener("click", () => {
    messages = [...messages.slice(0, i), { role: "user", content: area.value }];
    void answer();
  });
  div.replaceChildren(area, resend);
  area.focus();
}

function regenerate() {
  if (messages.at(-1)?.role === "assistant") messages.pop();
  void answer();
}

/**
 * Drops the oldest turns until the conversation leaves room for an answer of
 * min(max tokens, context / 4) tokens; says so in the conversation.
 */
async function fitContext(/** @type {number} */ maxTokens) {
  const reserve = Math.max(1, Math.min(maxTokens, Math.floor(contextLength / 4)));
  let dropped = 0;
  for (;;) {
    const conversation = conversationOf(messages);
    const res = await api("/tokenize", { method: "POST", body: JSON.stringify({ messages: conversation }) });
    if (!res.ok) throw new Error(await errorText(res));
    const { tokens } = await res.json();
    if (tokens + reserve <= contextLength) break;
    const shorter = dropOldestTurn(messages);
    if (shorter === null) break; // only the message being answered is left: the server will say if it is too long
    dropped += conversationOf(messages).length - conversationOf(shorter).length;
    messages = shorter;
  }
  if (dropped > 0) {
    const start = messages[0]?.role === "system" ? 1 : 0;
    const notice = `${dropped} earlier message${dropped === 1 ? " was" : "s were"} dropped to fit the model's ${contextLength}-token context.`;
    messages.splice(start, 0, { role: "notice", content: notice });
  }
}

/** The entries without the oldest turn (a user message and what follows up to the next one), or null. */
function dropOldestTurn(/** @type {Entry[]} */ entries) {
  const start = entries[0]?.role === "system" ? 1 : 0;
  let first = start;
  while (first < entries.length && entries[first]?.role !== "user") first++;
  let end = first + 1;
  while (end < entries.length && entries[end]?.role !== "user") end++;
  if (end >= entries.length) return null; // never the message being answered
  return [...entries.slice(0, start), ...entries.slice(end)];
}

/** Streams an answer to `messages` into a new assistant message; an error takes its place. */
async function answer() {
  const controller = new AbortController();
  running = controller;
  setBusy(true);
  /** @type {Message} */
  const reply = { role: "assistant", content: "" };
  const t0 = performance.now();
  let tFirst = 0;
  /** @type {Usage | null} */
  let usage = null;
  let finish = "";
  try {
    const maxTokens = Number(field("max-tokens").value);
    await fitContext(maxTokens);
    const conversation = conversationOf(messages);
    messages.push(reply);
    render(true);
    const bubble = /** @type {HTMLElement} */ (list.lastElementChild);
    const key = localStorage.getItem(KEY_STORAGE);
    const res = await fetch("/v1/chat/completions", {
      method: "POST",
      headers: { "Content-Type": "application/json", ...(key ? { Authorization: `Bearer ${key}` } : {}) },
      signal: controller.signal,
      body: JSON.stringify({
        model: modelId,
        messages: conversation,
        stream: true,
        stream_options: { include_usage: true },
        temperature: Number(field("temperature").value),
        max_tokens: maxTokens,
      }),
    });
    if (!res.ok || res.body === null) throw new Error(await errorText(res));
    for await (const event of serverSentEvents(res.body)) {
      if (event.error) throw new Error(event.error.message);
      if (event.usage) usage = event.usage;
      const choice = event.choices?.[0];
      if (choice?.delta?.content) {
        if (tFirst === 0) tFirst = performance.now();
        reply.content += choice.delta.content;
        bubble.textContent = reply.content;
      }
      if (choice?.finish_reason) finish = choice.finish_reason;
    }
    stats.textContent = describe(usage, finish, t0, tFirst, performance.now());
  } catch (e) {
    const err = /** @type {Error} */ (e);
    if (err.name === "AbortError") stats.textContent = "stopped";
    else {
      if (messages.at(-1) === reply) messages.pop();
      messages.push({ role: "error", content: `Error: ${err.message}` });
      stats.textContent = "";
    }
  } finally {
    running = null;
    setBusy(false);
    render();
  }
}

/** "31 tokens · 210.5 tok/s · first token 12 ms · prompt 88 tokens (61 cached) · length" */
function describe(/** @type {Usage | null} */ u, /** @type {string} */ finish, /** @type {number} */ t0, /** @type {number} */ tFirst, /** @type {number} */ tEnd) {
  if (u === null) return finish;
  const decodeS = (tEnd - tFirst) / 1000;
  const rate = u.completion_tokens > 1 && decodeS > 0 ? `${((u.completion_tokens - 1) / decodeS).toFixed(1)} tok/s` : "– tok/s";
  const first = tFirst > 0 ? `first token ${(tFirst - t0).toFixed(0)} ms` : "no text";
  return `${u.completion_tokens} tokens · ${rate} · ${first} · prompt ${u.prompt_tokens} tokens (${u.prompt_tokens_cached} cached) · ${finish}`;
}

function setBusy(/** @type {boolean} */ busy) {
  document.body.dataset["busy"] = String(busy);
  field("send").disabled = busy;
  $("stop").hidden = !busy;
}

$("composer").addEventListener("submit", (e) => {
  e.preventDefault();
  const text = input.value.trim();
  if (text === "" || running !== null) return;
  messages.push({ role: "user", content: text });
  input.value = "";
  void answer();
});
input.addEventListener("keydown", (e) => {
  if (e.key === "Enter" && !e.shiftKey) {
    e.preventDefault();
    /** @type {HTMLFormElement} */ ($("composer")).requestSubmit();
  }
});
$("stop").addEventListener("click", () => running?.abort());
$("new-chat").addEventListener("click", () => {
  running?.abort();
  messages = [];
  stats.textContent = "";
  render();
  input.focus();
});

$("key-form").addEventListener("submit", (e) => {
  e.preventDefault();
  localStorage.setItem(KEY_STORAGE, field("api-key").value.trim());
  void init();
});

/** The served model's name goes into every request; its context length sets how much history is kept. */
async function init() {
  const res = await api("/v1/models");
  const needKey = res.status === 401;
  $("key-form").hidden = !needKey;
  if (needKey) {
    stats.textContent = localStorage.getItem(KEY_STORAGE) ? "the saved API key was refused" : "this server needs an API key";
    return;
  }
  const models = await res.json();
  modelId = models.data[0].id;
  contextLength = models.data[0].context_length;
  $("model-name").textContent = modelId;
  stats.textContent = "";
  document.body.dataset["ready"] = "true";
}
void init();
