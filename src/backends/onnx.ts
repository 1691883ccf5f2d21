import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";

import type { Logger } from "pino";

import { AbortError, CotScError, PromptTooLongError } from "../errors.js";
import type { LoadModelOptions } from "../model/loaded-model.js";
import { renderChat } from "../tokenizer/index.js";
import type { SchedulerStats } from "../model/scheduler.js";
import { type DecoderInfo, startDecoder } from "../model/worker-decoder.js";
import type { Backend, BackendDefaults, ChatMessage, SampleRequest, SampleResult } from "./backend.js";

export interface OnnxBackendOptions extends LoadModelOptions {
  /** Run the decode loop in a worker thread (default true). */
  worker?: boolean;
  /** The scheduler's row budget: most rows one decode batch holds across all requests (default 64). */
  maxBatchRows?: number;
  /**
   * `continuous` (default): requests join the running batch between decode steps. `job`: a request
   * waits until the batch in flight has finished (run to completion; kept for comparison).
   */
  batching?: "continuous" | "job";
  /**
   * Continuous batching: the most lanes, batches with a KV cache of their own run one after another
   * each step, so that requests arriving far apart in time do not attend over each other's padding
   * (default 4; 1: one batch). See `SchedulerOptions.lanes`.
   */
  maxBatchLanes?: number;
  /**
   * Continuous batching: a request joins the youngest lane while its rows × that lane's slots are at
   * most this many, else it takes a lane of its own (default 1,280). See `SchedulerOptions.joinRowSlots`.
   */
  joinRowSlots?: number;
  /** End chains after a completed `#### n` line (default true). */
  stopAtAnswerLine?: boolean;
  logger?: Logger;
}

/** The ONNX backend, plus what it knows about its model (for prompts and defaults). */
export interface OnnxBackend extends Backend {
  /** The model directory, as given. */
  readonly directory: string;
  readonly info: DecoderInfo;
  /** The scheduler's counters: decode steps, live rows summed over them (mean batch), live and queued. */
  stats(): Promise<SchedulerStats>;
}

/**
 * The batched ONNX sampler as a backend. Every request is one sequence group submitted to the model's
 * long-lived scheduler (continuous batching): it joins the running batch at the next decode step, with
 * its own sampling settings, stop strings and token limit, and its prompt is prefilled once for all its
 * chains (and not at all when a live request has the same prompt).
 *
 * @example
 * const backend = await createOnnxBackend("models/cot-sc-gpt2-tiny");
 * const { chains } = await backend.sampleChains({ prompt: "Q: What is 2+3?\nA: ", count: 8, maxTokens: 64,
 *   temperature: 0.7, topK: 0, topP: 1, seed: 1, stop: ["\n\n"] });
 */
export async function createOnnxBackend(directory: string, options: OnnxBackendOptions = {}): Promise<OnnxBackend> {
  const { worker, maxBatchRows = 64, batching = "continuous", maxBatchLanes, joinRowSlots, stopAtAnswerLine = true, logger, ...loadOptions } = options;
  // the tokenizer is loaded once, beside the model in the decoder's thread, which encodes the prompts
  const handle = await startDecoder(directory, {
    ...loadOptions,
    ...(worker === undefined ? {} : { worker }),
    scheduler: {
      maxRows: maxBatchRows,
      continuous: batching === "continuous",
      ...(maxBatchLanes === undefined ? {} : { lanes: maxBatchLanes }),
      ...(joinRowSlots === undefined ? {} : { joinRowSlots }),
    },
  });
  const info = handle.info;
  logger?.debug({ graph: info.graphPath, layout: info.layout }, "onnx backend ready");
  const generation = info.config.generation;
  const defaults: BackendDefaults = {
    ...(generation.temperature !== undefined && generation.doSample !== false ? { temperature: generation.temperature } : {}),
    ...(generation.topK !== undefined ? { topK: generation.topK } : {}),
    ...(generation.topP !== undefined ? { topP: generation.topP } : {}),
    ...(generation.maxNewTokens !== undefined ? { maxTokens: generation.maxNewTokens } : {}),
  };
  const [promptSet, graphSha256] = await Promise.all([modelPromptSet(directory), sha256File(info.graphPath)]).catch(async (error: unknown) => {
    // why: a decoder left running keeps the process alive
    await handle.close();
    throw error;
  });
  const template = info.chatTemplate;
  // the backend owns the tokenizer, so it renders chat prompts with the model's template
  const render = (prompt: string | readonly ChatMessage[]): string =>
    typeof prompt === "string"
      ? prompt
      : renderChat(template!, prompt, { ...(info.bosToken ? { bosToken: info.bosToken } : {}), ...(info.eosToken ? { eosToken: info.eosToken } : {}) });
  return {
    name: "onnx",
    needsPrompt: true,
    defaults,
    capabilities: { chat: template !== undefined, logprobs: true, force: true, seeded: true },
    ...(promptSet ? { promptSet } : {}),
    description: {
      model: resolve(directory),
      graphSha256,
      graph: info.graphPath,
      layout: info.layout,
      device: info.device.device,
      deviceReasons: info.device.reasons,
    },
    directory,
    stats: () => handle.stats(),
    info: handle.info,
    sampleChains(request: SampleRequest): Promise<SampleResult> {
      if (request.signal?.aborted) return Promise.reject(new AbortError());
      if (typeof request.prompt !== "string" && template === undefined) {
        return Promise.reject(new CotScError("NO_CHAT_TEMPLATE", `${directory}: chat messages need a chat template, and this model has none`));
      }
      const prompt = render(request.prompt);
      const limit = handle.info.maxPositions;
      // why: a prompt that cannot fit is refused before it is tokenized (a 10 MB question would take
      // seconds to encode) and before it joins a batch (where it would fail every other request too)
      if (limit !== undefined && prompt.length / info.maxTokenCharacters >= limit) {
        return Promise.reject(new PromptTooLongError(undefined, limit, `${prompt.length} characters`));
      }
      const force = request.force;
      return handle
        .submit(
          {
            prompt,
            count: request.count,
            seed: request.seed,
            firstIndex: request.firstIndex ?? 0,
            maxTokens: request.maxTokens,
            sampling: { temperature: request.temperature, topK: request.topK, topP: request.topP },
            // a chat turn's end may be decoded as text: the template's end-of-sequence token stops it too
            stop: typeof request.prompt === "string" || !info.eosToken || request.stop.includes(info.eosToken) ? request.stop : [...request.stop, info.eosToken],
            stopAtAnswerLine,
            ...(force ? { forceTrigger: force.trigger } : {}),
            ...(request.logprobs ? { logprobs: true } : {}),
          },
          {
            ...(request.signal ? { signal: request.signal } : {}),
            ...(force ? { force: (text: string, index: number) => force.complete(text, index) } : {}),
            ...(force?.module ? { forceModule: force.module } : {}),
            ...(request.onText ? { onText: request.onText } : {}),
          },
        )
        .then((result) => {
          logger?.debug({ chains: result.chains.length, steps: result.steps, rowSteps: result.rowSteps, ms: result.wallMs, prefilled: result.prefilled }, "decoded group");
          return {
            chains: result.chains.map(({ tokenIds: _ids, tokenLogprobs, tokenTexts, ...chain }) =>
              tokenTexts === undefined || tokenLogprobs === undefined
                ? chain
                : { ...chain, tokenLogprobs: tokenTexts.map((token, i) => ({ token, logprob: tokenLogprobs[i]! })) },
            ),
            usage: {
              promptTokens: result.promptTokens,
              // a live identical prompt's prefill was shared: none of these tokens was computed again
              ...(result.prefilled ? {} : { cachedPromptTokens: result.promptTokens }),
              generatedTokens: result.generatedTokens,
              wallMs: result.wallMs,
              queueMs: result.queueMs,
            },
            warnings: [],
          };
        });
    },
    close: () => handle.close(),
  };
}

/** The model's own prompt set, from `cot-sc.json` in its directory (the shipped model has one). */
async function modelPromptSet(directory: string): Promise<string | undefined> {
  try {
    const json = JSON.parse(await readFile(join(directory, "cot-sc.json"), "utf8")) as { promptSet?: unknown };
    return typeof json.promptSet === "string" ? json.promptSet : undefined;
  } catch {
    return undefined;
  }
}

/** The content hash of a file (the model's graph: two models in one directory are not the same model). */
async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}
