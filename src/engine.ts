import { availableParallelism } from "node:os";
import { basename, resolve } from "node:path";

import type { Backend } from "./backends/backend.js";
import { createEnsembleBackend, type EnsembleMember } from "./backends/ensemble.js";
import { createOnnxBackend } from "./backends/onnx.js";
import { createOpenAIBackend } from "./backends/openai.js";
import { createReplayBackend } from "./backends/replay.js";
import { OptionsError } from "./errors.js";
import { SHIPPED_MODEL } from "./model/index.js";
import { type Engine, engineOn, type EngineOptions, engineOptionsSchema, parseOptions } from "./run/index.js";

export type { Engine };

/**
 * Creates an engine: on the shipped model by default, on another model directory (`model`) or several
 * (`model: [dirA, dirB]`, an ensemble: one vote over all their chains), on
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
    const directories = parsed.model === undefined ? [SHIPPED_MODEL] : typeof parsed.model === "string" ? [parsed.model] : parsed.model;
    // why split the threads: an ensemble's members decode side by side, and onnxruntime's spinning
    // threads oversubscribed on the same cores slow every member down
    const threads = parsed.threads ?? (directories.length > 1 ? Math.max(1, Math.floor(availableParallelism() / directories.length)) : undefined);
    const onnx = (directory: string) =>
      createOnnxBackend(directory, {
        device: parsed.device,
        graph: parsed.graph,
        worker: parsed.worker,
        ...(logger ? { logger } : {}),
        ...(parsed.maxBatchRows ? { maxBatchRows: parsed.maxBatchRows } : {}),
        batching: parsed.batching,
        ...(threads ? { session: { intraOpThreads: threads } } : {}),
      });
    backend = directories.length === 1 ? await onnx(directories[0]!) : await modelEnsemble(directories, onnx);
  }
  return engineOn(backend, { ownsBackend: true, ...(logger ? { logger } : {}) });
}

/**
 * Several model directories as one ensemble backend, each member named by its directory's last part
 * (`#2`, `#3` appended where two share one). Loaded one after another; if one fails, those loaded close.
 */
async function modelEnsemble(directories: readonly string[], load: (directory: string) => Promise<Backend>): Promise<Backend> {
  const members: EnsembleMember[] = [];
  const seen = new Map<string, number>();
  try {
    for (const directory of directories) {
      const base = basename(resolve(directory));
      const count = (seen.get(base) ?? 0) + 1;
      seen.set(base, count);
      members.push({ name: count === 1 ? base : `${base}#${count}`, backend: await load(directory) });
    }
  } catch (error) {
    await Promise.allSettled(members.map((m) => m.backend.close()));
    throw error;
  }
  return createEnsembleBackend(members);
}
