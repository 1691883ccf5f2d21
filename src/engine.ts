import type { Backend } from "./backends/backend.js";
import { createOnnxBackend } from "./backends/onnx.js";
import { createOpenAIBackend } from "./backends/openai.js";
import { createReplayBackend } from "./backends/replay.js";
import { OptionsError } from "./errors.js";
import { SHIPPED_MODEL } from "./model/index.js";
import { type Engine, engineOn, type EngineOptions, engineOptionsSchema, parseOptions } from "./run/index.js";

export type { Engine };

/**
 * Creates an engine: on the shipped model by default, on another model directory (`model`), on
 * recorded chains (`backend: "replay"`), on an OpenAI-compatible server (`backend: "openai"`), or on a
 * backend object the caller built (which the engine uses and does not close). This is a composition
 * root: the one place besides the CLI that builds providers; the engine itself only sees the backend spec.
 *
 * @example
 * const engine = await createEngine();
 * const result = await engine.solve("Dad bought 30 apples ...", { samples: 20 });
 * result.answer; result.voteShare; result.chains[0].steps;
 * await engine.close();
 */
export async function createEngine(options: EngineOptions = {}): Promise<Engine> {
  const parsed = parseOptions(engineOptionsSchema, options, "engine options");
  const logger = parsed.logger;
  if (typeof parsed.backend === "object") return engineOn(parsed.backend, { ...(logger ? { logger } : {}) });
  let backend: Backend;
  if (parsed.backend === "openai") {
    if (!parsed.baseUrl || !parsed.remoteModel) {
      throw new OptionsError("invalid engine options", ["baseUrl, remoteModel: the openai backend needs the server's URL and the model it serves"]);
    }
    backend = await createOpenAIBackend({
      baseURL: parsed.baseUrl,
      model: parsed.remoteModel,
      ...(parsed.apiKey ? { apiKey: parsed.apiKey } : {}),
      ...(parsed.timeoutMs ? { timeoutMs: parsed.timeoutMs } : {}),
      ...(parsed.maxRetries !== undefined ? { maxRetries: parsed.maxRetries } : {}),
      ...(logger ? { logger } : {}),
    });
  } else if (parsed.backend === "replay") {
    if (!parsed.recorded) throw new OptionsError("invalid engine options", ["recorded: the replay backend needs a recorded-chains file"]);
    backend = await createReplayBackend(parsed.recorded, parsed.sources ? { sources: parsed.sources } : {});
  } else {
    backend = await createOnnxBackend(parsed.model ?? SHIPPED_MODEL, {
      device: parsed.device,
      graph: parsed.graph,
      worker: parsed.worker,
      ...(logger ? { logger } : {}),
      ...(parsed.maxBatchRows ? { maxBatchRows: parsed.maxBatchRows } : {}),
      batching: parsed.batching,
      ...(parsed.threads ? { session: { intraOpThreads: parsed.threads } } : {}),
    });
  }
  return engineOn(backend, { ownsBackend: true, ...(logger ? { logger } : {}) });
}
