/**
 * The token ids a chat request is answered from, and the ids that end an answer: the same rules
 * as ChatSession, as free functions for a server that keeps no session.
 */
import type { ChatMessage, ChatTemplate } from "../chat/template.js";
import type { Tokenizer } from "../tokenizers/tokenizer.js";

/**
 * Ids of the rendered conversation: no post-processor specials (the template writes its own);
 * BOS prepended when the tokenizer asks for it (add_bos_token) and the template did not write it.
 */
export function encodeChat(
  template: ChatTemplate,
  tokenizer: Tokenizer,
  messages: readonly ChatMessage[],
  addGenerationPrompt: boolean,
): number[] {
  const text = template.render(messages, { addGenerationPrompt });
  const ids = tokenizer.encode(text, { addSpecialTokens: false });
  const bos = tokenizer.bosId;
  if (tokenizer.addBosToken === true && bos !== undefined && ids[0] !== bos) ids.unshift(bos);
  return ids;
}

/**
 * Ids that end an answer: the model's eos ids, the tokenizer's eos, and `<|im_end|>` when the
 * template is ChatML and the vocabulary has it as one token.
 */
export function chatStopIds(tokenizer: Tokenizer, template: ChatTemplate, eosIds: Iterable<number> = []): number[] {
  const stops = new Set(eosIds);
  if (tokenizer.eosId !== undefined) stops.add(tokenizer.eosId);
  const imEnd = tokenizer.tokenToId("<|im_end|>");
  if (imEnd !== undefined && template.source.includes("<|im_end|>")) stops.add(imEnd);
  return [...stops];
}

/**
 * The texts of the stop ids (`<|end_story|>`, `</s>`, `<|im_end|>`) and the template's end-of-turn
 * marker: a model may spell them out in pieces (`<`, `|`, `end`, …) instead of emitting the one
 * id, and the decoded text must still end there rather than show the marker.
 */
export function stopMarkerTexts(tokenizer: Tokenizer, stopIds: Iterable<number>, template?: ChatTemplate): string[] {
  const texts = new Set<string>();
  for (const id of stopIds) {
    const t = tokenizer.idToToken(id);
    // Only marker-like tokens: a plain word or byte as eos would cut ordinary text.
    if (t !== undefined && /^<.+>$/s.test(t)) texts.add(t);
  }
  if (template?.source.includes("<|im_end|>") === true) texts.add("<|im_end|>");
  return [...texts];
}
