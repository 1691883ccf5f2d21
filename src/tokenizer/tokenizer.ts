import { readFile } from "node:fs/promises";
import { join } from "node:path";

import { Tokenizer } from "@huggingface/tokenizers";
import { z } from "zod";

import { ModelLoadError } from "../errors.js";
import { buildByteTable } from "./byte-table.js";

const TokenizerJson = z.looseObject({
  model: z.looseObject({ type: z.string(), vocab: z.unknown(), byte_fallback: z.boolean().optional() }),
  decoder: z.unknown().optional(),
  pre_tokenizer: z.unknown().optional(),
  added_tokens: z.array(z.looseObject({ id: z.number(), content: z.string(), special: z.boolean().optional() })).optional(),
});

const TokenizerConfig = z.looseObject({
  chat_template: z.union([z.string(), z.array(z.looseObject({ name: z.string(), template: z.string() }))]).optional(),
  bos_token: z.unknown().optional(),
  eos_token: z.unknown().optional(),
});

/** A loaded tokenizer: the Hugging Face `tokenizer.json` through @huggingface/tokenizers, plus byte tables. */
export interface LoadedTokenizer {
  encode(text: string): number[];
  /** The bytes of each token id (empty for special tokens). */
  readonly tokenBytes: readonly Uint8Array[];
  readonly vocabSize: number;
  /**
   * The most characters (UTF-8 bytes, or an added token's text) one token covers: a text of n
   * characters has at least n / this many tokens, known without encoding it.
   */
  readonly maxTokenCharacters: number;
  /** The chat template from tokenizer_config.json, if the model has one. */
  readonly chatTemplate: string | undefined;
  readonly bosToken: string | undefined;
  readonly eosToken: string | undefined;
}

/**
 * Loads `tokenizer.json` and `tokenizer_config.json` from a model directory.
 *
 * @example
 * const tokenizer = await loadTokenizer("models/cot-sc-gpt2-tiny");
 * tokenizer.encode("Q: 2+2?");
 */
export async function loadTokenizer(directory: string): Promise<LoadedTokenizer> {
  const jsonPath = join(directory, "tokenizer.json");
  const configPath = join(directory, "tokenizer_config.json");
  const json = await readJson(jsonPath);
  const parsed = TokenizerJson.safeParse(json);
  if (!parsed.success) throw new ModelLoadError(`not a tokenizer.json: ${parsed.error.issues[0]?.message}`, jsonPath);
  const config = await readJson(configPath, {});
  const parsedConfig = TokenizerConfig.safeParse(config);
  if (!parsedConfig.success) throw new ModelLoadError(`bad tokenizer_config.json: ${parsedConfig.error.message}`, configPath);

  let tokenizer: Tokenizer;
  try {
    tokenizer = new Tokenizer(json as object, config as object);
  } catch (error) {
    throw new ModelLoadError(`tokenizer cannot be built: ${(error as Error).message}`, jsonPath, { cause: error });
  }
  const vocab = parsed.data.model.vocab;
  const added = parsed.data.added_tokens ?? [];
  let size = added.reduce((max, t) => Math.max(max, t.id + 1), 0);
  if (vocab && typeof vocab === "object" && !Array.isArray(vocab)) {
    for (const id of Object.values(vocab as Record<string, number>)) size = Math.max(size, id + 1);
  } else if (Array.isArray(vocab)) {
    size = Math.max(size, vocab.length);
  }
  const tokens: (string | undefined)[] = [];
  for (let id = 0; id < size; id++) tokens.push(tokenizer.id_to_token(id));
  const described = JSON.stringify([parsed.data.decoder ?? null, parsed.data.pre_tokenizer ?? null]);
  const tokenBytes = buildByteTable(tokens, {
    byteLevel: described.includes('"ByteLevel"'),
    byteFallback: parsed.data.model.byte_fallback === true,
    metaspace: described.includes('"Metaspace"') || described.includes("\u2581"),
    special: new Set(added.filter((t) => t.special).map((t) => t.id)),
  });
  const template = parsedConfig.data.chat_template;
  return {
    encode: (text) => tokenizer.encode(text).ids,
    tokenBytes,
    vocabSize: size,
    maxTokenCharacters: Math.max(1, ...tokenBytes.map((bytes) => bytes.length), ...added.map((t) => t.content.length)),
    chatTemplate: Array.isArray(template) ? template.find((t) => t.name === "default")?.template : template,
    bosToken: tokenText(parsedConfig.data.bos_token),
    eosToken: tokenText(parsedConfig.data.eos_token),
  };
}

function tokenText(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (value && typeof value === "object" && "content" in value && typeof value.content === "string") return value.content;
  return undefined;
}

async function readJson(path: string, fallback?: unknown): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if (fallback !== undefined && (error as NodeJS.ErrnoException).code === "ENOENT") return fallback;
    throw new ModelLoadError("file missing or unreadable", path, { cause: error });
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ModelLoadError(`invalid JSON: ${(error as Error).message}`, path, { cause: error });
  }
}
