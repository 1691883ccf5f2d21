export { buildByteTable } from "./byte-table.js";
export { loadTokenizer, type LoadedTokenizer } from "./tokenizer.js";
