/**
 * Generation inside a worker, shared by both pages: a continuation of a prompt, or a chat turn
 * (ChatSession, the same one `llama-infer chat` uses), streamed piece by piece through `post`.
 * Every few tokens the loop lets the worker's messages in, so a "stop" arrives mid-answer.
 */
import {
  ChatSession,
  ContinuationDecoder,
  generate,
  Sampler,
  StreamDecoder,
  type CausalLM,
  type GenerationResult,
  type Tokenizer,
} from "@mini/llm";
import { renderDialoguePrompt, yieldToEvents } from "@mini/llm/training";
import { poolRounds } from "@mini/tensor";
import type { GenStats, RunEvent, Sampling } from "./protocol.js";

export interface LoadedLM {
  model: CausalLM;
  tokenizer: Tokenizer;
  eosIds: readonly number[];
}

const YIELD_EVERY = 8;


export class Generation {
  private chat: ChatSession | null = null;
  private chatKey = "";
  private stopRequested = false;

  /**
   * dialogue: chat turns are rendered "User: q Assistant:" without a chat template and answered
   * afresh each time (rustgpt-ts's answer.ts, for a model saved in mini's own RustGPT form).
   */
  constructor(
    private readonly lm: LoadedLM,
    private readonly post: (e: RunEvent) => void,
    private readonly opts: { dialogue?: boolean } = {},
  ) {}

  stop(): void {
    this.stopRequested = true;
  }

  reset(): void {
    this.chat = null;
  }

  async continuation(prompt: string, s: Sampling): Promise<void> {
    const { model, tokenizer, eosIds } = this.lm;
    const t0 = performance.now();
    roundsAtStart = poolRounds();
    const promptIds = tokenizer.encode(prompt);
    const gen = generate(model, promptIds, { sampler: new Sampler(samplingOf(s)), maxNewTokens: s.maxNewTokens, stopIds: eosIds });
    const decoder = new ContinuationDecoder(tokenizer, promptIds);
    let text = "";
    const ids: number[] = [];
    const result = await this.drain(gen, (id) => (ids.push(id), decoder.push(id)), (piece) => (text += piece));
    const tail = decoder.flush();
    if (tail !== "") this.post({ type: "piece", text: tail });
    text += tail;
    this.post({ type: "done", ids, text, stats: statsOf(result, ids.length, performance.now() - t0) });
  }

  async chatTurn(message: string, s: Sampling): Promise<void> {
    if (this.opts.dialogue) return this.dialogueAnswer(message, s);
    const key = JSON.stringify(samplingOf(s));
    if (this.chat === null || key !== this.chatKey) {
      this.chat = new ChatSession(this.lm.model, this.lm.tokenizer, { sampler: samplingOf(s), stopIds: this.lm.eosIds });
      this.chatKey = key;
    }
    const t0 = performance.now();
    roundsAtStart = poolRounds();
    const turn = this.chat.send(message, { maxNewTokens: s.maxNewTokens });
    this.stopRequested = false;
    let step = turn.next();
    let n = 0;
    for (; !step.done; step = turn.next()) {
      this.post({ type: "piece", text: step.value });
      if (++n % YIELD_EVERY === 0) await yieldToEvents();
      if (this.stopRequested) {
        // A stopped answer stays in the conversation (ChatSession keeps the partial text).
        turn.return(undefined as never);
        this.post({ type: "done", ids: [], text: "", stats: statsOf(null, 0, performance.now() - t0) });
        return;
      }
    }
    const r = step.value;
    this.post({ type: "done", ids: r.generation.ids, text: r.text, stats: statsOf(r.generation, r.generation.ids.length, performance.now() - t0) });
  }

  private async dialogueAnswer(question: string, s: Sampling): Promise<void> {
    const { model, tokenizer, eosIds } = this.lm;
    const t0 = performance.now();
    roundsAtStart = poolRounds();
    const ids = tokenizer.encode(renderDialoguePrompt(question), { addSpecialTokens: false });
    const gen = generate(model, ids, { sampler: new Sampler(samplingOf(s)), maxNewTokens: s.maxNewTokens, stopIds: eosIds });
    const decoder = new StreamDecoder(tokenizer, { skipSpecialTokens: true });
    let text = "";
    const out: number[] = [];
    const post = (piece: string): string => {
      // The answer starts after "Assistant:": no leading space (as rustgpt-ts prints it).
      const p = text === "" ? piece.trimStart() : piece;
      return p;
    };
    const result = await this.drain(gen, (id) => (out.push(id), post(decoder.push(id))), (piece) => (text += piece));
    const tail = post(decoder.flush());
    if (tail !== "") this.post({ type: "piece", text: tail });
    text += tail;
    this.post({ type: "done", ids: out, text, stats: statsOf(result, out.length, performance.now() - t0) });
  }

  /** Runs `gen` to its end (or a stop), posting each non-empty piece; returns the generation result. */
  private async drain(gen: Generator<number, GenerationResult>, piece: (id: number) => string, keep: (s: string) => void): Promise<GenerationResult | null> {
    this.stopRequested = false;
    let step = gen.next();
    let n = 0;
    for (; !step.done; step = gen.next()) {
      const text = piece(step.value);
      if (text !== "") {
        keep(text);
        this.post({ type: "piece", text });
      }
      if (++n % YIELD_EVERY === 0) await yieldToEvents();
      if (this.stopRequested) {
        gen.return(undefined as never);
        return null;
      }
    }
    return step.value;
  }
}

function samplingOf(s: Sampling): Omit<Sampling, "maxNewTokens"> {
  const { maxNewTokens: _n, ...rest } = s;
  return rest;
}

/** poolRounds() when the current generation started: its split kernel calls are the difference. */
let roundsAtStart = 0;

/** `r` null when the generation was stopped (no timings from the library then). */
function statsOf(r: GenerationResult | null, newTokens: number, totalMs: number): GenStats {
  const splitCalls = poolRounds() - roundsAtStart;
  if (r === null) return { promptTokens: 0, newTokens, firstTokenMs: 0, decodeTokPerSec: 0, totalMs, splitCalls };
  const after = r.ids.length - 1;
  return {
    promptTokens: r.promptTokens,
    newTokens,
    firstTokenMs: r.firstTokenMs,
    decodeTokPerSec: after > 0 && r.decodeMs > 0 ? (after * 1000) / r.decodeMs : 0,
    totalMs,
    splitCalls,
  };
}
