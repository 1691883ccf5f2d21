import { basename, resolve } from "node:path";

import type { Logger } from "pino";

import { createOnnxBackend } from "../backends/onnx.js";
import { type GraphChoice, SHIPPED_MODEL } from "../model/index.js";
import { loadPromptSet } from "../prompt/index.js";
import { createEngine } from "../engine.js";
import { createServer, type ServeTarget } from "../server/server.js";

export interface ServeCommandOptions {
  model?: string;
  host: string;
  port: number;
  apiKey?: string;
  promptSet?: string;
  maxBatchRows?: number;
  device?: "cpu" | "webgpu" | "cuda" | "auto";
  graph?: GraphChoice;
  threads?: number;
  worker?: boolean;
  logger?: Logger;
}

/**
 * `cot-sc serve`: listens at once (`/health` answers 503 while the model loads), serves until SIGTERM
 * or SIGINT, then stops accepting, lets in-flight requests finish and exits 0.
 */
export async function serveCommand(options: ServeCommandOptions, log: (line: string) => void): Promise<number> {
  const directory = options.model ?? SHIPPED_MODEL;
  const load = (async (): Promise<ServeTarget> => {
    const backend = await createOnnxBackend(directory, {
      ...(options.device ? { device: options.device } : {}),
      ...(options.graph ? { graph: options.graph } : {}),
      ...(options.threads ? { session: { intraOpThreads: options.threads } } : {}),
      ...(options.worker === false ? { worker: false } : {}),
      ...(options.maxBatchRows ? { maxBatchRows: options.maxBatchRows } : {}),
      ...(options.logger ? { logger: options.logger } : {}),
    });
    try {
      const engine = await createEngine({ backend, ...(options.logger ? { logger: options.logger } : {}) });
      const promptSet = await loadPromptSet(options.promptSet ?? engine.settings().promptSet ?? "shipped-zero-shot");
      return { engine, backend, modelName: basename(resolve(directory)), promptSet };
    } catch (error) {
      await backend.close();
      throw error;
    }
  })();
  const server = createServer(load, { ...(options.apiKey ? { apiKey: options.apiKey } : {}), ...(options.logger ? { logger: options.logger } : {}) });
  const { url } = await server.listen(options.port, options.host);
  log(`cot-sc serve: listening on ${url} (loading ${directory})`);
  let target: ServeTarget;
  try {
    target = await load;
  } catch (error) {
    await server.close();
    throw error;
  }
  log(`cot-sc serve: model "${target.modelName}" ready${options.apiKey ? " (API key required)" : ""}`);
  await new Promise<void>((done) => {
    const stop = (): void => {
      log("cot-sc serve: draining in-flight requests");
      done();
    };
    process.once("SIGTERM", stop);
    process.once("SIGINT", stop);
  });
  await server.close();
  await target.backend.close();
  log("cot-sc serve: stopped");
  return 0;
}
