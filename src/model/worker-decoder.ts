import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";

import { AbortError, CotScError, ModelLoadError, PromptTooLongError } from "../errors.js";
import { type DecoderInfo, describeModel, loadModel, type LoadModelOptions } from "./loaded-model.js";
import {
  type GroupRequest,
  type GroupResult,
  promptIdsOf,
  Scheduler,
  type SchedulerOptions,
  type SchedulerStats,
  type TextGroupRequest,
} from "./scheduler.js";

export type { DecoderInfo };

export interface DecodeCallOptions {
  signal?: AbortSignal;
  force?: (text: string, index: number) => Promise<string | undefined> | string | undefined;
  /** Where a worker can load the same hook itself (`ForceHook.module`): then no round trip. */
  forceModule?: { url: string; name: string };
  /** Streaming: text each chain adds, as it is written (see `GroupHooks.onText`). */
  onText?: (index: number, text: string) => void;
}

/**
 * A loaded decoder, in a worker thread or in-process; both run one long-lived {@link Scheduler}, to
 * which every caller submits its sequence groups.
 */
export interface DecoderHandle {
  readonly info: DecoderInfo;
  /** A group with token ids, or with text the decoder's thread encodes (the tokenizer is loaded there, once). */
  submit(group: GroupRequest | TextGroupRequest, options?: DecodeCallOptions): Promise<GroupResult>;
  /** The scheduler's counters (steps, mean batch), for benchmarks and metrics. */
  stats(): Promise<SchedulerStats>;
  close(): Promise<void>;
}

export interface StartDecoderOptions extends LoadModelOptions {
  /** Run the decode loop in a worker thread (default true). */
  worker?: boolean;
  /** The scheduler's row budget and mode (default: 64 rows, continuous). */
  scheduler?: Partial<SchedulerOptions>;
}

/**
 * Starts a decoder. With `worker: true` (the default) the session lives in a worker thread: a 100 ms
 * step no longer blocks the caller, so progress output, AbortSignal and servers keep working.
 */
export async function startDecoder(directory: string, options: StartDecoderOptions = {}): Promise<DecoderHandle> {
  const { worker = true, scheduler, ...loadOptions } = options;
  const schedulerOptions: SchedulerOptions = { maxRows: 64, continuous: true, ...scheduler };
  return worker ? startWorker(directory, loadOptions, schedulerOptions) : startInProcess(directory, loadOptions, schedulerOptions);
}

async function startInProcess(directory: string, options: LoadModelOptions, schedulerOptions: SchedulerOptions): Promise<DecoderHandle> {
  const model = await loadModel(directory, options);
  const scheduler = new Scheduler(model, schedulerOptions);
  return {
    info: describeModel(model),
    submit: (group, call = {}) =>
      scheduler.submit(promptIdsOf(group, model), {
        aborted: () => call.signal?.aborted ?? false,
        ...(call.force ? { force: call.force } : {}),
        ...(call.onText ? { onText: call.onText } : {}),
      }),
    stats: async () => scheduler.stats(),
    close: async () => {
      await scheduler.close();
      await model.close();
    },
  };
}

// The worker runs compiled JavaScript: from dist/ it sits beside this file; from src/ (tests run the
// TypeScript sources) it is the built copy in dist/.
function workerUrl(): URL {
  const beside = new URL("./decode-worker.js", import.meta.url);
  if (existsSync(fileURLToPath(beside))) return beside;
  const built = new URL("../../dist/model/decode-worker.js", import.meta.url);
  if (existsSync(fileURLToPath(built))) return built;
  throw new CotScError("WORKER_MISSING", `decode worker not found at ${fileURLToPath(beside)}; run "npm run build"`);
}

type Outgoing =
  | { type: "ready"; info: DecoderInfo }
  | { type: "init-error"; error: { name: string; message: string; code?: string } }
  | { type: "result"; id: number; result: GroupResult }
  | { type: "error"; id: number; error: { name: string; message: string; code?: string; tokens?: number; limit?: number } }
  | { type: "force"; id: number; requestId: number; text: string; index: number }
  | { type: "stats"; id: number; stats: SchedulerStats }
  | { type: "text"; ids: number[]; indices: number[]; texts: string[] };

async function startWorker(directory: string, options: LoadModelOptions, scheduler: SchedulerOptions): Promise<DecoderHandle> {
  const worker = new Worker(workerUrl(), { workerData: { directory, options, scheduler } });
  const jobs = new Map<number, { resolve: (r: GroupResult) => void; reject: (e: Error) => void; call: DecodeCallOptions }>();
  let nextId = 0;
  let failure: Error | undefined;

  let info: DecoderInfo;
  try {
    info = await new Promise<DecoderInfo>((resolve, reject) => {
      const onMessage = (message: Outgoing): void => {
        if (message.type === "ready") resolve(message.info);
        else if (message.type === "init-error") reject(reviveError(message.error, directory));
      };
      worker.once("message", onMessage);
      worker.once("error", reject);
      worker.once("exit", (code) => reject(new CotScError("WORKER_EXIT", `decode worker for ${directory} exited (code ${code}) before the model loaded`)));
    });
  } catch (error) {
    // why: a worker left running after a failed load keeps the process alive, so the CLI would print
    // its error and then never exit
    await worker.terminate();
    throw error;
  }

  const statsWaiting = new Map<number, (stats: SchedulerStats) => void>();
  worker.on("message", (message: Outgoing) => {
    if (message.type === "text") {
      for (let i = 0; i < message.texts.length; i++) jobs.get(message.ids[i]!)?.call.onText?.(message.indices[i]!, message.texts[i]!);
    } else if (message.type === "stats") {
      statsWaiting.get(message.id)?.(message.stats);
      statsWaiting.delete(message.id);
    } else if (message.type === "result" || message.type === "error") {
      const job = jobs.get(message.id);
      jobs.delete(message.id);
      if (message.type === "result") job?.resolve(message.result);
      else job?.reject(reviveError(message.error, directory));
    } else if (message.type === "force") {
      const job = jobs.get(message.id);
      void Promise.resolve(job?.call.force?.(message.text, message.index)).then(
        (text) => worker.postMessage({ type: "force-result", requestId: message.requestId, text }),
        () => worker.postMessage({ type: "force-result", requestId: message.requestId, text: undefined }),
      );
    }
  });
  worker.on("error", (error) => {
    failure = error;
    for (const job of jobs.values()) job.reject(error);
    jobs.clear();
  });
  worker.unref();

  return {
    info,
    submit(group, call = {}) {
      if (failure) return Promise.reject(failure);
      if (call.signal?.aborted) return Promise.reject(new AbortError());
      const id = nextId++;
      const abortFlag = new SharedArrayBuffer(4);
      const onAbort = (): void => {
        Atomics.store(new Int32Array(abortFlag), 0, 1);
      };
      call.signal?.addEventListener("abort", onAbort, { once: true });
      return new Promise<GroupResult>((resolve, reject) => {
        jobs.set(id, { resolve, reject, call });
        worker.ref(); // keep the process alive while a job runs
        worker.postMessage({ type: "submit", id, group, abortFlag, withForce: call.force !== undefined, ...(call.forceModule ? { forceModule: call.forceModule } : {}), withText: call.onText !== undefined });
      }).finally(() => {
        call.signal?.removeEventListener("abort", onAbort);
        if (jobs.size === 0 && statsWaiting.size === 0) worker.unref();
      });
    },
    stats() {
      const id = nextId++;
      worker.ref(); // an answer is owed: keep the process alive for it
      return new Promise<SchedulerStats>((resolve) => {
        statsWaiting.set(id, resolve);
        worker.postMessage({ type: "stats", id });
      }).finally(() => {
        if (jobs.size === 0 && statsWaiting.size === 0) worker.unref();
      });
    },
    async close() {
      worker.postMessage({ type: "close" });
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => void worker.terminate().then(() => resolve()), 2000);
        worker.once("exit", () => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
  };
}

function reviveError(error: { name: string; message: string; code?: string; tokens?: number; limit?: number }, directory: string): Error {
  if (error.name === "AbortError") return new AbortError(error.message);
  if (error.code === "PROMPT_TOO_LONG" && error.limit !== undefined) return new PromptTooLongError(error.tokens, error.limit, `${error.tokens} tokens`);
  if (error.name === "ModelLoadError") {
    const revived = new ModelLoadError(error.message, directory);
    revived.message = error.message;
    return revived;
  }
  return new CotScError(error.code ?? "DECODE", error.message);
}
