/**
 * Worker-thread entry: owns one model session and runs decode jobs, so that onnxruntime's synchronous
 * `session.run` never blocks the caller's event loop. Protocol: see worker-decoder.ts.
 */
import { parentPort, workerData } from "node:worker_threads";

import { describeModel, loadModel, type LoadModelOptions } from "./loaded-model.js";
import { type GroupRequest, promptIdsOf, Scheduler, type SchedulerOptions, type TextGroupRequest } from "./scheduler.js";

interface WorkerInit {
  directory: string;
  options: LoadModelOptions;
  scheduler: SchedulerOptions;
}

type Incoming =
  | {
      type: "submit";
      id: number;
      group: GroupRequest | TextGroupRequest;
      abortFlag: SharedArrayBuffer;
      withForce: boolean;
      /** Where this worker can load the force hook itself (see `ForceHook.module`). */
      forceModule?: { url: string; name: string };
      withText: boolean;
    }
  | { type: "force-result"; requestId: number; text: string | undefined }
  | { type: "stats"; id: number }
  | { type: "close" };

const port = parentPort!;
const init = workerData as WorkerInit;
const waiting = new Map<number, (text: string | undefined) => void>();
let nextRequest = 0;

const modelPromise = loadModel(init.directory, init.options);
// one long-lived decode loop for the model: groups from every request share its batches
const schedulerPromise = modelPromise.then((model) => new Scheduler(model, init.scheduler));
// why: a failed load is reported once, as init-error; unhandled, this rejection would crash the worker first
schedulerPromise.catch(() => undefined);
modelPromise.then(
  (model) =>
    port.postMessage({
      type: "ready",
      info: describeModel(model),
    }),
  (error: Error) => port.postMessage({ type: "init-error", error: serializeError(error) }),
);

port.on("message", (message: Incoming) => {
  if (message.type === "force-result") {
    waiting.get(message.requestId)?.(message.text);
    waiting.delete(message.requestId);
  } else if (message.type === "stats") {
    void schedulerPromise.then(
      (scheduler) => port.postMessage({ type: "stats", id: message.id, stats: scheduler.stats() }),
      () => undefined,
    );
  } else if (message.type === "close") {
    void schedulerPromise
      .then(async (scheduler) => {
        await scheduler.close();
        await (await modelPromise).close();
      })
      .finally(() => port.close());
  } else {
    void run(message);
  }
});

type LocalHook = { complete(text: string, index: number): string | undefined | Promise<string | undefined> };
const localHooks = new Map<string, Promise<LocalHook | undefined>>();

/**
 * The force hook loaded in this thread, or undefined when its module cannot be loaded here. This worker
 * runs the compiled JavaScript, so a hook in a TypeScript source (tests run src/) is taken from its built
 * copy in dist/, as the worker itself is.
 */
function localHook(module: { url: string; name: string }): Promise<LocalHook | undefined> {
  const key = `${module.url}#${module.name}`;
  let hook = localHooks.get(key);
  if (hook === undefined) {
    const url = module.url.endsWith(".ts") ? module.url.replace(/\/src\/(?!.*\/src\/)/, "/dist/").replace(/\.ts$/, ".js") : module.url;
    hook = import(url).then(
      (loaded: Record<string, unknown>) => {
        const found = loaded[module.name] as LocalHook | undefined;
        return typeof found?.complete === "function" ? found : undefined;
      },
      () => undefined,
    );
    localHooks.set(key, hook);
  }
  return hook;
}

// Streamed text of every row in a step goes up as one message: a message per row per token (64 rows,
// thousands of tokens a second) costs the receiving thread more than the text itself.
let textIds: number[] = [];
let textIndices: number[] = [];
let texts: string[] = [];

function queueText(id: number, index: number, text: string): void {
  if (texts.length === 0) queueMicrotask(flushText);
  textIds.push(id);
  textIndices.push(index);
  texts.push(text);
}

function flushText(): void {
  if (texts.length === 0) return;
  port.postMessage({ type: "text", ids: textIds, indices: textIndices, texts });
  textIds = [];
  textIndices = [];
  texts = [];
}

async function run(message: Extract<Incoming, { type: "submit" }>): Promise<void> {
  const flag = new Int32Array(message.abortFlag);
  try {
    const scheduler = await schedulerPromise;
    // why: a hook computed here adds nothing to a step; asking the caller's thread stalls the batch
    const local = message.forceModule ? await localHook(message.forceModule) : undefined;
    const result = await scheduler.submit(promptIdsOf(message.group, await modelPromise), {
      aborted: () => Atomics.load(flag, 0) !== 0,
      ...(local ? { force: (text: string, index: number) => local.complete(text, index) } : {}),
      ...(message.withForce && !local
        ? {
            force: (text: string, index: number) =>
              new Promise<string | undefined>((resolve) => {
                const requestId = nextRequest++;
                waiting.set(requestId, resolve);
                port.postMessage({ type: "force", id: message.id, requestId, text, index });
              }),
          }
        : {}),
      ...(message.withText ? { onText: (index: number, text: string) => queueText(message.id, index, text) } : {}),
    });
    flushText();
    port.postMessage({ type: "result", id: message.id, result });
  } catch (error) {
    flushText();
    port.postMessage({ type: "error", id: message.id, error: serializeError(error as Error) });
  }
}

function serializeError(error: Error): { name: string; message: string; code?: string; tokens?: number; limit?: number } {
  const { code, tokens, limit } = error as { code?: unknown; tokens?: unknown; limit?: unknown };
  return {
    name: error.name,
    message: error.message,
    ...(typeof code === "string" ? { code } : {}),
    ...(typeof tokens === "number" ? { tokens } : {}),
    ...(typeof limit === "number" ? { limit } : {}),
  };
}
