export { buildChatMessages, buildChatPrompt } from "./build-chat-prompt.js";
export { buildPrompt, type BuiltPrompt, type PromptOptions } from "./build-prompt.js";
export { chainsDirectory, listPromptSets, loadPromptSet, type Exemplar, type PromptSet, type Shots } from "./prompt-set.js";
export { renderChat, type ChatMessage, type RenderChatOptions } from "../tokenizer/chat-template.js";
