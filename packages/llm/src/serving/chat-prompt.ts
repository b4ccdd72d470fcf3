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
