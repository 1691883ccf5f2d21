import { ModelLoadError } from "../errors.js";
import { loadTokenizer, type LoadedTokenizer } from "../tokenizer/index.js";
import type { CacheFactory, DecoderModel } from "./decoder.js";
import { DeviceKvCache } from "./device-cache.js";
import { chooseDevice, type DeviceChoice, type DeviceRequest } from "./device.js";
import { KV_GRAPHS, KvHelpers } from "./kv-helpers.js";
import { type ModelFiles, resolveModelDirectory } from "./model-dir.js";
import { PresentKvCache } from "./present-cache.js";
import { createSession, type GraphSignature, readSignature, type SessionTuning } from "./session.js";
import { SplitKvCache } from "./split-cache.js";

/**
 * Which graph to decode with: cot-sc's split-cache export when the directory has one, else Optimum's
 * ("auto"); "split-cache-int8" is the split-cache graph with 8-bit weights (faster on the CPU, not
 * bitwise the same logits; prompts are still prefilled by the float32 Optimum graph).
 */
export type GraphChoice = "auto" | "split-cache" | "split-cache-int8" | "optimum";

export interface LoadModelOptions {
  graph?: GraphChoice;
  /** Default "cpu". */
  device?: DeviceRequest;
  session?: SessionTuning;
}

export interface LoadedModel extends DecoderModel {
  files: ModelFiles;
  tokenizer: LoadedTokenizer;
  /** The graph file in use. */
  graphPath: string;
  /** The device decoding runs on, and why. */
  device: DeviceChoice;
  close(): Promise<void>;
}

/**
 * Loads a model directory (Hugging Face / Optimum layout) for decoding.
 *
 * On the CPU the split-cache graph is preferred (the fast path): its steps run on `model_split_cache.onnx`
 * and its prompts are prefilled by the Optimum graph, so a split-cache directory holds both. On WebGPU the
 * Optimum graph runs with every `present.*` kept on the device; on CUDA the standard Optimum loop runs
 * through the CUDA provider.
 *
 * @example
 * const model = await loadModel("models/cot-sc-gpt2-tiny");
 * model.signature.layout; // "split-cache"
 */
export async function loadModel(directory: string, options: LoadModelOptions = {}): Promise<LoadedModel> {
  const files = await resolveModelDirectory(directory);
  const device = await chooseDevice(options.device ?? "cpu", `${KV_GRAPHS}gather_float32.onnx`);
  const choice = device.device === "cpu" ? (options.graph ?? "auto") : "optimum";
  if (device.device !== "cpu" && (options.graph === "split-cache" || options.graph === "split-cache-int8")) {
    throw new ModelLoadError(`the ${options.graph} graph runs on the CPU only (device ${device.device} uses the Optimum graph)`, files.directory);
  }
  const graphPath =
    choice === "optimum"
      ? files.optimumGraph
      : choice === "split-cache"
        ? files.splitCacheGraph
        : choice === "split-cache-int8"
          ? files.splitCacheInt8Graph
          : (files.splitCacheGraph ?? files.optimumGraph);
  if (!graphPath) {
    const hint = choice === "split-cache-int8" ? " (model_split_cache_int8.onnx: training/quantize_int8.py writes it from model_split_cache.onnx)" : "";
    throw new ModelLoadError(`no ${choice} graph in this directory${hint}`, files.directory);
  }

  const tokenizer = await loadTokenizer(files.directory);
  const tuning: SessionTuning = { ...options.session };
  if (device.device !== "cpu") tuning.executionProviders = [device.device];
  let session = await createSession(graphPath, tuning);
  let signature = readSignature(session, graphPath, files.config);
  let prefill = { session, signature };
  if (signature.layout === "split-cache") {
    if (signature.kvType !== "float32") {
      await session.release();
      throw new ModelLoadError(`the split-cache graph must take a float32 cache (its cache is ${signature.kvType})`, graphPath);
    }
    if (!files.optimumGraph) {
      await session.release();
      throw new ModelLoadError("the split-cache graph needs the Optimum graph (model.onnx) beside it to prefill prompts", files.directory);
    }
    // why: a profile is of the decode steps; the prefill session would write a trace of its own
    const { profilePrefix: _decodeOnly, ...prefillTuning } = tuning;
    const prefillSession = await createSession(files.optimumGraph, prefillTuning);
    prefill = { session: prefillSession, signature: readSignature(prefillSession, files.optimumGraph, files.config) };
  }
  let helpers: KvHelpers | undefined;
  if (device.device === "webgpu") {
    // presents stay on the device and feed back as past; only the logits come to the host
    const locations: Record<string, "cpu" | "gpu-buffer"> = { logits: "cpu" };
    for (const [key, value] of signature.kvOutputs) locations[key] = locations[value] = "gpu-buffer";
    await session.release();
    session = await createSession(graphPath, { ...tuning, preferredOutputLocation: locations });
    signature = readSignature(session, graphPath, files.config);
    prefill = { session, signature };
    helpers = await KvHelpers.create("webgpu", signature.kvType);
  }
  const logitsMeta = session.outputMetadata.find((m) => m.name === "logits");
  const declared = logitsMeta?.isTensor ? logitsMeta.shape[2] : undefined;
  return {
    files,
    tokenizer,
    graphPath,
    device,
    session,
    signature,
    prefill,
    caches: cacheFactory(signature, prefill.signature, helpers),
    tokenBytes: tokenizer.tokenBytes,
    encode: (text) => tokenizer.encode(text),
    eosTokenIds: files.config.eosTokenIds,
    maxPositions: files.config.maxPositions,
    logitsWidth: typeof declared === "number" ? declared : tokenizer.vocabSize,
    close: async () => {
      await session.release();
      if (prefill.session !== session) await prefill.session.release();
      await helpers?.release();
    },
  };
}

/** What callers (and the worker's parent thread) learn about a loaded model. */
export interface DecoderInfo {
  graphPath: string;
  layout: GraphSignature["layout"];
  eosTokenIds: readonly number[];
  maxPositions: number | undefined;
  config: ModelFiles["config"];
  chatTemplate: string | undefined;
  bosToken: string | undefined;
  eosToken: string | undefined;
  /** The most characters one token stands for: a prompt of n characters has at least n / this tokens. */
  maxTokenCharacters: number;
  /** The device decoding runs on, and why (for `auto`: why the others were passed over). */
  device: DeviceChoice;
}

export function describeModel(model: LoadedModel): DecoderInfo {
  return {
    graphPath: model.graphPath,
    layout: model.signature.layout,
    eosTokenIds: model.eosTokenIds,
    maxPositions: model.maxPositions,
    config: model.files.config,
    chatTemplate: model.tokenizer.chatTemplate,
    bosToken: model.tokenizer.bosToken,
    eosToken: model.tokenizer.eosToken,
    maxTokenCharacters: model.tokenizer.maxTokenCharacters,
    device: model.device,
  };
}

function cacheFactory(signature: GraphSignature, prefillSignature: GraphSignature, helpers: KvHelpers | undefined): CacheFactory {
  const empty = (): PresentKvCache => PresentKvCache.empty(prefillSignature);
  if (helpers) {
    return { empty, fromPrefills: (entries, width) => DeviceKvCache.fromPrefills(signature, helpers, entries, width), sharedPrefix: false, admits: false };
  }
  if (signature.layout === "split-cache") {
    return { empty, fromPrefills: (entries, _width, maxNew, reserveRows) => SplitKvCache.fromPrefills(signature, entries, maxNew, reserveRows), sharedPrefix: true, admits: true };
  }
  return { empty, fromPrefills: (entries, width) => PresentKvCache.fromPrefills(signature, entries, width), sharedPrefix: false, admits: false };
}
