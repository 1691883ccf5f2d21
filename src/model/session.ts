import { availableParallelism } from "node:os";

import * as ort from "onnxruntime-node";

import { ModelLoadError } from "../errors.js";
import type { ModelConfig } from "./model-dir.js";

/** Session options cot-sc tunes for decoding; each may be overridden. */
export interface SessionTuning {
  /** Threads inside one operator. Default: the machine's cores. */
  intraOpThreads?: number;
  /** Default "all". */
  graphOptimizationLevel?: "disabled" | "basic" | "extended" | "all";
  /** Execution providers in order of preference. Default `["cpu"]`. */
  executionProviders?: ort.InferenceSession.ExecutionProviderConfig[];
  /** Where each output should stay (WebGPU keeps the KV cache as `gpu-buffer`). */
  preferredOutputLocation?: Record<string, ort.Tensor.DataLocation>;
  /**
   * Profile every run of the decode session (onnxruntime's per-node timings): the trace goes to
   * `<prefix>_<date>.json` when the session's `endProfiling()` is called. For benchmarks (`bench/profile-step.ts`); off by default.
   */
  profilePrefix?: string;
}

/** The decoder graph's layout, read from the session's input and output names. */
export type GraphLayout = "split-cache" | "optimum";

export type KvType = "float32" | "float16";

/** How the decode loop must feed one graph: names, KV shapes and types, read from session metadata. */
export interface GraphSignature {
  layout: GraphLayout;
  layers: number;
  kvHeads: number;
  headDim: number;
  kvType: KvType;
  hasAttentionMask: boolean;
  hasPositionIds: boolean;
  /** Optimum merged decoders (`decoder_model_merged.onnx`) take a `use_cache_branch` flag. */
  hasUseCacheBranch: boolean;
  /** Input names of the KV cache per layer: [key, value]. */
  kvInputs: Array<[string, string]>;
  /** Output names of the KV cache per layer: presents (optimum) or new entries (split-cache). */
  kvOutputs: Array<[string, string]>;
  /** Split-cache only: the shared prefix's input names per layer, [key, value]; empty for Optimum graphs. */
  prefixInputs: Array<[string, string]>;
}

/**
 * Creates an onnxruntime session tuned for decoding.
 */
export async function createSession(path: string, tuning: SessionTuning = {}): Promise<ort.InferenceSession> {
  const options: ort.InferenceSession.SessionOptions = {
    executionProviders: tuning.executionProviders ?? ["cpu"],
    graphOptimizationLevel: tuning.graphOptimizationLevel ?? "all",
    intraOpNumThreads: tuning.intraOpThreads ?? availableParallelism(),
    interOpNumThreads: 1,
    executionMode: "sequential",
  };
  if (tuning.preferredOutputLocation) options.preferredOutputLocation = tuning.preferredOutputLocation;
  if (tuning.profilePrefix) (options.enableProfiling = true), (options.profileFilePrefix = tuning.profilePrefix);
  try {
    return await ort.InferenceSession.create(path, options);
  } catch (error) {
    throw new ModelLoadError(`onnxruntime cannot load the graph: ${(error as Error).message}`, path, { cause: error });
  }
}

const OPTIMUM_KEY = /^past_key_values\.(\d+)\.key$/;
const SPLIT_KEY = /^cache\.(\d+)\.key$/;

/**
 * Reads the graph's signature from the session: which layout, how many layers, the KV heads, head size
 * and dtype (from the tensor metadata, falling back to config.json for symbolic dimensions).
 */
export function readSignature(session: ort.InferenceSession, path: string, config: ModelConfig): GraphSignature {
  const inputs = new Map<string, ort.InferenceSession.ValueMetadata>();
  for (const meta of session.inputMetadata) inputs.set(meta.name, meta);
  const outputs = new Set(session.outputNames);
  if (!inputs.has("input_ids")) {
    throw new ModelLoadError(`graph has no "input_ids" input (inputs: ${[...inputs.keys()].join(", ")})`, path);
  }
  if (!outputs.has("logits")) throw new ModelLoadError(`graph has no "logits" output`, path);

  const split = [...inputs.keys()].some((name) => SPLIT_KEY.test(name));
  const pattern = split ? SPLIT_KEY : OPTIMUM_KEY;
  const layerIndices = [...inputs.keys()].flatMap((name) => {
    const match = pattern.exec(name);
    return match ? [Number(match[1])] : [];
  });
  if (layerIndices.length === 0) {
    throw new ModelLoadError(
      `cannot map the KV-cache inputs: expected past_key_values.N.key|value (Optimum) or cache.N.key|value ` +
        `(cot-sc split cache); inputs are ${[...inputs.keys()].join(", ")}`,
      path,
    );
  }
  const layers = Math.max(...layerIndices) + 1;
  const kvInputs: Array<[string, string]> = [];
  const kvOutputs: Array<[string, string]> = [];
  const prefixInputs: Array<[string, string]> = [];
  for (let i = 0; i < layers; i++) {
    const names: [string, string] = split ? [`cache.${i}.key`, `cache.${i}.value`] : [`past_key_values.${i}.key`, `past_key_values.${i}.value`];
    const outs: [string, string] = split ? [`new.${i}.key`, `new.${i}.value`] : [`present.${i}.key`, `present.${i}.value`];
    const prefix: [string, string] = [`prefix.${i}.key`, `prefix.${i}.value`];
    for (const name of split ? [...names, ...prefix] : names) if (!inputs.has(name)) throw new ModelLoadError(`missing input "${name}"`, path);
    for (const name of outs) if (!outputs.has(name)) throw new ModelLoadError(`missing output "${name}"`, path);
    kvInputs.push(names);
    kvOutputs.push(outs);
    if (split) prefixInputs.push(prefix);
  }
  for (const name of split ? ["prefix_mask", "group_rows", "row_places"] : []) {
    // why: a split-cache graph exported before the grouped prefix has prefix_mask but not the grouping inputs
    if (!inputs.has(name)) throw new ModelLoadError(`missing input "${name}" (a split-cache graph from an older cot-sc: re-export it with training/reexport.py)`, path);
  }
  const keyMeta = inputs.get(kvInputs[0]![0]);
  if (!keyMeta?.isTensor) throw new ModelLoadError(`"${kvInputs[0]![0]}" is not a tensor`, path);
  if (keyMeta.type !== "float32" && keyMeta.type !== "float16") {
    throw new ModelLoadError(`KV cache type ${keyMeta.type} is not supported (float32, float16 are)`, path);
  }
  // keys: [batch, heads, past, headDim] (optimum) or [batch, heads, capacity, headDim] (split-cache)
  const shape = keyMeta.shape;
  const headsDim = shape[1];
  const headDimDim = shape[3];
  const kvHeads = typeof headsDim === "number" ? headsDim : config.kvHeads;
  const headDim = typeof headDimDim === "number" ? headDimDim : config.headDim;
  if (!kvHeads || !headDim) {
    throw new ModelLoadError(
      "cannot tell the KV heads and head size: the graph's dims are symbolic and config.json has neither " +
        "num_key_value_heads/num_attention_heads/n_head nor head_dim/hidden_size/n_embd",
      path,
    );
  }
  return {
    layout: split ? "split-cache" : "optimum",
    layers,
    kvHeads,
    headDim,
    kvType: keyMeta.type,
    hasAttentionMask: inputs.has("attention_mask"),
    hasPositionIds: inputs.has("position_ids"),
    hasUseCacheBranch: inputs.has("use_cache_branch"),
    kvInputs,
    kvOutputs,
    prefixInputs,
  };
}
