import { ModelLoadError } from "../errors.js";
import { loadTokenizer, type LoadedTokenizer } from "../tokenizer/index.js";
import type { DecoderModel } from "./decoder.js";
import { type ModelFiles, resolveModelDirectory } from "./model-dir.js";
import { createSession, readSignature, type SessionTuning } from "./session.js";

/** Which graph to decode with: cot-sc's split-cache export when the directory has one, else Optimum's. */
export type GraphChoice = "auto" | "split-cache" | "optimum";

export interface LoadModelOptions {
  graph?: GraphChoice;
  session?: SessionTuning;
}

export interface LoadedModel extends DecoderModel {
  files: ModelFiles;
  tokenizer: LoadedTokenizer;
  /** The graph file in use. */
  graphPath: string;
  close(): Promise<void>;
}

/**
 * Loads a model directory (Hugging Face / Optimum layout) for decoding.
 *
 * @example
 * const model = await loadModel("models/cot-sc-gpt2-tiny");
 * model.signature.layout; // "split-cache"
 */
export async function loadModel(directory: string, options: LoadModelOptions = {}): Promise<LoadedModel> {
  const files = await resolveModelDirectory(directory);
  const choice = options.graph ?? "auto";
  const graphPath =
    choice === "optimum"
      ? files.optimumGraph
      : choice === "split-cache"
        ? files.splitCacheGraph
        : (files.splitCacheGraph ?? files.optimumGraph);
  if (!graphPath) {
    throw new ModelLoadError(`no ${choice} graph in this directory`, files.directory);
  }
  const tokenizer = await loadTokenizer(files.directory);
  const session = await createSession(graphPath, options.session);
  const signature = readSignature(session, graphPath, files.config);
  const logitsMeta = session.outputMetadata.find((m) => m.name === "logits");
  const declared = logitsMeta?.isTensor ? logitsMeta.shape[2] : undefined;
  const logitsWidth = typeof declared === "number" ? declared : tokenizer.vocabSize;
  return {
    files,
    tokenizer,
    graphPath,
    session,
    signature,
    tokenBytes: tokenizer.tokenBytes,
    encode: (text) => tokenizer.encode(text),
    eosTokenIds: files.config.eosTokenIds,
    maxPositions: files.config.maxPositions,
    logitsWidth,
    close: () => session.release(),
  };
}
