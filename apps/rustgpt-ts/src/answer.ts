/**
 * Answering one question: render "User: <question> Assistant:", generate until `</s>` (greedy by
 * default), and stream the decoded text. One sampler per session, seeded, so a sampled chat is
 * reproducible too.
 */
import { generate, PromptTooLongError, Sampler, StreamDecoder, type Tokenizer } from "@mini/llm";
import { renderDialoguePrompt } from "@mini/llm/training";
import type { TrainedModel } from "./model-files.js";

export interface SamplingChoice {
  temperature: number;
  topK: number;
  topP: number;
  seed: number;
}

export interface Answerer {
  /** Streams the answer's text; reports unknown words through `onNotice`. */
  answer(question: string): Generator<string>;
}

export function makeAnswerer(t: TrainedModel, sampling: SamplingChoice, onNotice: (message: string) => void): Answerer {
  const { model, tokenizer } = t;
  const eos = eosIdOf(tokenizer);
  const unk = tokenizer.unkToken === undefined ? undefined : tokenizer.tokenToId(tokenizer.unkToken);
  const sampler = new Sampler({ temperature: sampling.temperature, topK: sampling.topK, topP: sampling.topP, seed: sampling.seed });
  return {
    *answer(question: string): Generator<string> {
      const ids = tokenizer.encode(renderDialoguePrompt(question), { addSpecialTokens: false });
      const unknown = unk === undefined ? 0 : ids.filter((id) => id === unk).length;
      if (unknown > 0) onNotice(`${unknown} word${unknown === 1 ? "" : "s"} not in the vocabulary became <unk>`);
      let gen: Generator<number>;
      try {
        gen = generate(model, ids, { sampler, stopIds: [eos] });
      } catch (e) {
        if (e instanceof PromptTooLongError) {
          onNotice(`the question is too long: ${e.message}`);
          return;
        }
        throw e;
      }
      const decoder = new StreamDecoder(tokenizer, { skipSpecialTokens: true });
      let first = true;
      for (const id of gen) {
        let piece = decoder.push(id);
        if (first && piece !== "") {
          piece = piece.trimStart();
          first = false;
        }
        if (piece !== "") yield piece;
      }
      const rest = decoder.flush();
      if (rest !== "") yield first ? rest.trimStart() : rest;
    },
  };
}

/** The whole answer as one string. */
export function answerText(a: Answerer, question: string): string {
  let s = "";
  for (const piece of a.answer(question)) s += piece;
  return s;
}

export function eosIdOf(tokenizer: Tokenizer): number {
  const id = tokenizer.eosId ?? tokenizer.tokenToId("</s>");
  if (id === undefined) throw new Error("the tokenizer has no end-of-sequence token </s>");
  return id;
}
