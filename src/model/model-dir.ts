import { access, readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import { z } from "zod";

import { ModelLoadError } from "../errors.js";

/** The model cot-sc ships and uses by default. */
export const SHIPPED_MODEL = fileURLToPath(new URL("../../models/cot-sc-gpt2-tiny/", import.meta.url));

const Config = z.looseObject({
  model_type: z.string().optional(),
  n_head: z.number().int().positive().optional(),
  n_embd: z.number().int().positive().optional(),
  n_layer: z.number().int().positive().optional(),
  n_positions: z.number().int().positive().optional(),
  num_attention_heads: z.number().int().positive().optional(),
  num_key_value_heads: z.number().int().positive().optional(),
  num_hidden_layers: z.number().int().positive().optional(),
  hidden_size: z.number().int().positive().optional(),
  head_dim: z.number().int().positive().optional(),
  max_position_embeddings: z.number().int().positive().optional(),
  eos_token_id: z.union([z.number().int(), z.array(z.number().int())]).nullish(),
  bos_token_id: z.number().int().nullish(),
  pad_token_id: z.number().int().nullish(),
});

const GenerationConfig = z.looseObject({
  eos_token_id: z.union([z.number().int(), z.array(z.number().int())]).nullish(),
  temperature: z.number().optional(),
  top_k: z.number().int().optional(),
  top_p: z.number().optional(),
  do_sample: z.boolean().optional(),
  max_new_tokens: z.number().int().optional(),
});

/** What cot-sc reads from a model directory's JSON files, normalised across model families. */
export interface ModelConfig {
  /** Key/value heads (grouped-query attention: fewer than the query heads). */
  kvHeads: number | undefined;
  headDim: number | undefined;
  maxPositions: number | undefined;
  eosTokenIds: number[];
  /** Sampling defaults from generation_config.json, when it has them. */
  generation: { temperature?: number; topK?: number; topP?: number; doSample?: boolean; maxNewTokens?: number };
}

/** The files of a model directory in the Hugging Face / Optimum layout. */
export interface ModelFiles {
  directory: string;
  /** The Optimum-layout decoder graph, if present. */
  optimumGraph: string | undefined;
  /** cot-sc's split-cache graph (exported by training/export.py), if present: the fast path. */
  splitCacheGraph: string | undefined;
  /** The split-cache graph with 8-bit weights (training/quantize_int8.py), if present. */
  splitCacheInt8Graph: string | undefined;
  config: ModelConfig;
}

const GRAPH_CANDIDATES = ["model.onnx", "onnx/model.onnx", "decoder_model_merged.onnx", "onnx/decoder_model_merged.onnx"];
const SPLIT_CACHE_CANDIDATES = ["model_split_cache.onnx", "onnx/model_split_cache.onnx"];
const SPLIT_CACHE_INT8_CANDIDATES = ["model_split_cache_int8.onnx", "onnx/model_split_cache_int8.onnx"];

/**
 * Finds the graph and reads `config.json` and `generation_config.json` of a model directory.
 *
 * @example
 * const files = await resolveModelDirectory("models/cot-sc-gpt2-tiny");
 */
export async function resolveModelDirectory(directory: string): Promise<ModelFiles> {
  const dir = resolve(directory);
  if (!(await exists(dir))) throw new ModelLoadError("model directory does not exist", dir);
  const optimumGraph = await firstExisting(dir, GRAPH_CANDIDATES);
  const splitCacheGraph = await firstExisting(dir, SPLIT_CACHE_CANDIDATES);
  const splitCacheInt8Graph = await firstExisting(dir, SPLIT_CACHE_INT8_CANDIDATES);
  if (!optimumGraph && !splitCacheGraph) {
    throw new ModelLoadError(`no ONNX graph found (looked for ${GRAPH_CANDIDATES.join(", ")})`, dir);
  }
  const configPath = join(dir, "config.json");
  const raw = await readJsonFile(configPath, true);
  const parsed = Config.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ModelLoadError(`field "${issue?.path.join(".")}": ${issue?.message}`, configPath);
  }
  const generationPath = join(dir, "generation_config.json");
  const generationRaw = await readJsonFile(generationPath, false);
  const generation = GenerationConfig.safeParse(generationRaw ?? {});
  if (!generation.success) {
    const issue = generation.error.issues[0];
    throw new ModelLoadError(`field "${issue?.path.join(".")}": ${issue?.message}`, generationPath);
  }
  const c = parsed.data;
  const g = generation.data;
  const queryHeads = c.num_attention_heads ?? c.n_head;
  const hidden = c.hidden_size ?? c.n_embd;
  const eos = g.eos_token_id ?? c.eos_token_id;
  const generationDefaults: ModelConfig["generation"] = {};
  if (g.temperature !== undefined) generationDefaults.temperature = g.temperature;
  if (g.top_k !== undefined) generationDefaults.topK = g.top_k;
  if (g.top_p !== undefined) generationDefaults.topP = g.top_p;
  if (g.do_sample !== undefined) generationDefaults.doSample = g.do_sample;
  if (g.max_new_tokens !== undefined) generationDefaults.maxNewTokens = g.max_new_tokens;
  return {
    directory: dir,
    optimumGraph,
    splitCacheGraph,
    splitCacheInt8Graph,
    config: {
      kvHeads: c.num_key_value_heads ?? queryHeads,
      headDim: c.head_dim ?? (hidden && queryHeads ? hidden / queryHeads : undefined),
      maxPositions: c.max_position_embeddings ?? c.n_positions,
      eosTokenIds: eos === null || eos === undefined ? [] : Array.isArray(eos) ? eos : [eos],
      generation: generationDefaults,
    },
  };
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

async function firstExisting(dir: string, names: readonly string[]): Promise<string | undefined> {
  for (const name of names) {
    const path = join(dir, name);
    if (await exists(path)) return path;
  }
  return undefined;
}

async function readJsonFile(path: string, required: boolean): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if (!required && (error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new ModelLoadError("file missing or unreadable", path, { cause: error });
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ModelLoadError(`invalid JSON: ${(error as Error).message}`, path, { cause: error });
  }
}
