import type { Logger } from "pino";

import { AbortError, PromptTooLongError } from "../errors.js";
import type { DecodeJob, DecodeResult } from "../model/decoder.js";
import type { LoadModelOptions } from "../model/loaded-model.js";
import { loadTokenizer, type LoadedTokenizer } from "../tokenizer/index.js";
import { type DecoderHandle, type DecoderInfo, startDecoder } from "../model/worker-decoder.js";
import type { Backend, SampleRequest, SampleResult } from "./backend.js";

export interface OnnxBackendOptions extends LoadModelOptions {
  /** Run the decode loop in a worker thread (default true). */
  worker?: boolean;
  /** Most rows one decode batch may hold when concurrent requests are merged (default 64). */
  maxBatchRows?: number;
  /** End chains after a completed `#### n` line (default true). */
  stopAtAnswerLine?: boolean;
  logger?: Logger;
}

/** The ONNX backend, plus what it knows about its model (for prompts and defaults). */
export interface OnnxBackend extends Backend {
  readonly info: DecoderInfo;
  readonly tokenizer: LoadedTokenizer;
}

interface Pending {
  request: SampleRequest;
  promptIds: number[];
  resolve: (result: SampleResult) => void;
  reject: (error: Error) => void;
}

/**
 * The batched ONNX sampler as a backend. Requests that arrive while a batch is decoding wait, and the
 * next batch takes as many of them as fit (same sampling settings), so several problems share one batch
 * (left-padded, each prompt prefilled once for all its chains).
 *
 * @example
 * const backend = await createOnnxBackend("models/cot-sc-gpt2-tiny");
 * const { chains } = await backend.sampleChains({ prompt: "Q: What is 2+3?\nA: ", count: 8, maxTokens: 64,
 *   temperature: 0.7, topK: 0, topP: 1, seed: 1, stop: ["\n\n"] });
 */
export async function createOnnxBackend(directory: string, options: OnnxBackendOptions = {}): Promise<OnnxBackend> {
  const { worker, maxBatchRows = 64, stopAtAnswerLine = true, logger, ...loadOptions } = options;
  const [decoderLoad, tokenizerLoad] = await Promise.allSettled([
    startDecoder(directory, { ...loadOptions, ...(worker === undefined ? {} : { worker }) }),
    loadTokenizer(directory),
  ]);
  if (decoderLoad.status === "rejected" || tokenizerLoad.status === "rejected") {
    // why: whichever half loaded must be released, or its worker keeps the process alive
    if (decoderLoad.status === "fulfilled") await decoderLoad.value.close();
    throw decoderLoad.status === "rejected" ? decoderLoad.reason : (tokenizerLoad as PromiseRejectedResult).reason;
  }
  const handle = decoderLoad.value;
  const tokenizer = tokenizerLoad.value;
  logger?.debug({ graph: handle.info.graphPath, layout: handle.info.layout }, "onnx backend ready");
  const queue: Pending[] = [];
  let busy = false;
  let scheduled = false;

  const pump = (): void => {
    if (busy || queue.length === 0) return;
    const first = queue.shift()!;
    const batch = [first];
    let rows = first.request.count;
    for (let i = 0; i < queue.length; ) {
      const candidate = queue[i]!;
      if (compatible(first.request, candidate.request) && rows + candidate.request.count <= maxBatchRows) {
        batch.push(candidate);
        rows += candidate.request.count;
        queue.splice(i, 1);
      } else {
        i++;
      }
    }
    busy = true;
    void runBatch(handle, batch, stopAtAnswerLine, logger).finally(() => {
      busy = false;
      pump();
    });
  };

  return {
    name: "onnx",
    needsPrompt: true,
    info: handle.info,
    tokenizer,
    sampleChains(request: SampleRequest): Promise<SampleResult> {
      if (request.signal?.aborted) return Promise.reject(new AbortError());
      const limit = handle.info.maxPositions;
      // why: a prompt that cannot fit is refused before it is tokenized (a 10 MB question would take
      // seconds to encode) and before it joins a batch (where it would fail every other request too)
      if (limit !== undefined && request.prompt.length / tokenizer.maxTokenCharacters >= limit) {
        return Promise.reject(new PromptTooLongError(undefined, limit, `${request.prompt.length} characters`));
      }
      const promptIds = tokenizer.encode(request.prompt);
      if (limit !== undefined && promptIds.length >= limit) {
        return Promise.reject(new PromptTooLongError(promptIds.length, limit, `${promptIds.length} tokens`));
      }
      return new Promise((resolve, reject) => {
        const pending = { request, promptIds, resolve, reject };
        queue.push(pending);
        request.signal?.addEventListener(
          "abort",
          () => {
            const at = queue.indexOf(pending);
            if (at >= 0) queue.splice(at, 1);
            reject(new AbortError());
          },
          { once: true },
        );
        // wait one turn of the event loop, so that requests made together share the batch
        if (!scheduled) {
          scheduled = true;
          setImmediate(() => {
            scheduled = false;
            pump();
          });
        }
      });
    },
    close: () => handle.close(),
  };
}

function compatible(a: SampleRequest, b: SampleRequest): boolean {
  return (
    a.maxTokens === b.maxTokens &&
    a.temperature === b.temperature &&
    a.topK === b.topK &&
    a.topP === b.topP &&
    a.stop.join("\u0000") === b.stop.join("\u0000") &&
    (a.force === undefined) === (b.force === undefined)
  );
}

async function runBatch(handle: DecoderHandle, batch: Pending[], stopAtAnswerLine: boolean, logger: Logger | undefined): Promise<void> {
  const first = batch[0]!.request;
  const job: DecodeJob = {
    groups: batch.map((p) => ({ promptIds: p.promptIds, count: p.request.count, seed: p.request.seed, firstIndex: p.request.firstIndex ?? 0 })),
    maxTokens: first.maxTokens,
    sampling: { temperature: first.temperature, topK: first.topK, topP: first.topP },
    stop: first.stop,
    stopAtAnswerLine,
    ...(first.force ? { forceTrigger: first.force.trigger } : {}),
  };
  // the batch stops early only if every request in it was cancelled
  const controller = new AbortController();
  const signals = batch.map((p) => p.request.signal).filter((s): s is AbortSignal => s !== undefined);
  if (signals.length === batch.length && signals.length > 0) {
    const check = (): void => {
      if (signals.every((s) => s.aborted)) controller.abort();
    };
    for (const s of signals) s.addEventListener("abort", check, { once: true });
  }
  let result: DecodeResult;
  try {
    result = await handle.decode(job, {
      signal: controller.signal,
      force: (text, group, index) => batch[group]?.request.force?.complete(text, index),
    });
  } catch (error) {
    for (const p of batch) p.reject(error as Error);
    return;
  }
  logger?.debug({ groups: batch.length, steps: result.steps, rowSteps: result.rowSteps, ms: result.wallMs }, "decoded batch");
  batch.forEach((p, g) => {
    const chains = result.groups[g]!;
    const generated = chains.reduce((sum, c) => sum + c.tokens, 0);
    p.resolve({
      chains,
      usage: { promptTokens: p.promptIds.length, generatedTokens: generated, wallMs: result.wallMs },
      warnings: [],
    });
  });
}
