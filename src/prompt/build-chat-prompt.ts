import type { BuiltPrompt, PromptOptions } from "./build-prompt.js";
import { fillTemplate } from "./fill-template.js";
import type { PromptSet } from "./prompt-set.js";
import { renderChat, type ChatMessage, type RenderChatOptions } from "../tokenizer/chat-template.js";
import { selectExemplars } from "./select-exemplars.js";

/**
 * The chat turns for a question: the set's system message (if any), each exemplar as a user turn and an
 * assistant turn, then the question as the last user turn.
 *
 * @example
 * buildChatMessages(set, "What is 17+25?", { shots: 1 });
 * // [{ role: "system", ... }, { role: "user", ... }, { role: "assistant", ... }, { role: "user", content: "What is 17+25?" }]
 */
export function buildChatMessages(set: PromptSet, question: string, options: PromptOptions = {}): ChatMessage[] {
  const chat: { system?: string | undefined; user: string; assistant: string } = set.chat ?? { user: "{question}", assistant: "{chain}" };
  const messages: ChatMessage[] = chat.system === undefined ? [] : [{ role: "system", content: chat.system }];
  for (const exemplar of selectExemplars(set, options.shots)) {
    messages.push({ role: "user", content: fillTemplate(chat.user, exemplar) });
    messages.push({ role: "assistant", content: fillTemplate(chat.assistant, exemplar) });
  }
  messages.push({ role: "user", content: fillTemplate(chat.user, { question }) });
  return messages;
}

/**
 * Builds a prompt for a chat model: the set's messages rendered through the model's chat template.
 * The stop strings are the set's chat stops plus the end-of-sequence token, since a turn's end may be
 * decoded as text.
 *
 * @example
 * const { text, stop } = buildChatPrompt(set, "What is 17+25?", config.chat_template, { eosToken: "<|im_end|>" });
 */
export function buildChatPrompt(
  set: PromptSet,
  question: string,
  chatTemplate: string,
  options: PromptOptions & Omit<RenderChatOptions, "addGenerationPrompt"> = {},
): BuiltPrompt {
  const { shots, ...renderOptions } = options;
  const text = renderChat(chatTemplate, buildChatMessages(set, question, shots === undefined ? {} : { shots }), {
    ...renderOptions,
    addGenerationPrompt: true,
  });
  const stop = [...(set.chat?.stop ?? [])];
  if (options.eosToken !== undefined && options.eosToken !== "" && !stop.includes(options.eosToken)) stop.push(options.eosToken);
  return { text, stop };
}
