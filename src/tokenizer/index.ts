export { buildByteTable } from "./byte-table.js";
export { loadTokenizer, type LoadedTokenizer } from "./tokenizer.js";
export { renderChat, type ChatMessage, type RenderChatOptions } from "./chat-template.js";
