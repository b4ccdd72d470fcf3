export { ChatTemplate, ChatTemplateError, CHATML_TEMPLATE, type ChatMessage, type RenderOptions } from "./template.js";
export {
  ChatSession,
  ChatOverflowError,
  type ChatSessionOptions,
  type SendOptions,
  type TurnResult,
} from "./session.js";
